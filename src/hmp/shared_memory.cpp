#include <hmp/detail/mpi_check.hpp>
#include <hmp/errors.hpp>
#include <hmp/detail/segment_owner.hpp>
#include <hmp/detail/segment_registry.hpp>
#include <hmp/shared_memory.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace hmp {

namespace {

constexpr const char* kShmDir = "/dev/shm";

std::string posix_name(const std::string& name) { return "/" + name; }

std::string errno_text(int err) { return std::strerror(err); }

// Closes a descriptor on every path out of a function.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void* map(int fd, std::size_t size, const std::string& name) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) throw Error("SharedMemory '" + name + "': mmap failed: " + errno_text(errno));
  return p;
}

}  // namespace

void SharedMemory::validate_name(const std::string& name) {
  const auto allowed = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  };
  std::string why;
  if (name.empty() || name.size() > max_name_length) {
    why = "its length is " + std::to_string(name.size());
  } else if (name == "." || name.find("..") != std::string::npos) {
    why = "it is \".\" or contains \"..\"";
  } else if (name.rfind(detail::kOwnerRecordPrefix, 0) == 0) {
    why = std::string("names starting with \"") + detail::kOwnerRecordPrefix + "\" are hmp's owner records";
  } else {
    for (char c : name)
      if (!allowed(c)) {
        why = "it contains the character code " + std::to_string(static_cast<unsigned char>(c));
        break;
      }
  }
  if (!why.empty())
    throw UsageError("SharedMemory: bad segment name (" + why + "); use 1.." + std::to_string(max_name_length) +
                     " characters from [A-Za-z0-9._-], not \".\", without \"..\" and not starting with \"" +
                     detail::kOwnerRecordPrefix + "\"");
}

std::size_t SharedMemory::available_bytes() {
  struct statvfs s {};
  if (statvfs(kShmDir, &s) != 0) return static_cast<std::size_t>(-1);  // no /dev/shm: let shm_open decide
  return static_cast<std::size_t>(s.f_bavail) * static_cast<std::size_t>(s.f_frsize);
}

SharedMemory SharedMemory::create(const std::string& name, std::size_t size) {
  validate_name(name);
  if (size == 0) throw UsageError("SharedMemory '" + name + "': size 0; a segment needs at least 1 byte");
  const std::size_t avail = available_bytes();
  if (size > avail)
    throw UsageError("SharedMemory '" + name + "': size " + std::to_string(size) +
                     " bytes is more than this node can hold (" + std::to_string(avail) + " bytes free in " +
                     kShmDir + ")");
  Fd fd;
  fd.fd = shm_open(posix_name(name).c_str(), O_CREAT | O_EXCL | O_RDWR, S_IRUSR | S_IWUSR);
  if (fd.fd < 0) {
    const int err = errno;
    if (err == EEXIST) throw AlreadyExists("SharedMemory '" + name + "' exists already; attach to it or pick another name");
    throw Error("SharedMemory '" + name + "': shm_open failed: " + errno_text(err));
  }
  SharedMemory out;
  out.name_ = name;
  // From here a failure must remove what was made.
  try {
    if (fchmod(fd.fd, S_IRUSR | S_IWUSR) != 0) throw Error("SharedMemory '" + name + "': fchmod failed: " + errno_text(errno));
    if (ftruncate(fd.fd, static_cast<off_t>(size)) != 0)
      throw Error("SharedMemory '" + name + "': cannot size it to " + std::to_string(size) +
                  " bytes: " + errno_text(errno));
    out.data_ = map(fd.fd, size, name);
    out.size_ = size;
  } catch (...) {
    shm_unlink(posix_name(name).c_str());
    throw;
  }
  detail::register_segment(posix_name(name));  // removed at any exit if never unlinked
  struct stat st {};
  // Removed by the next hmp start on the node if this process dies unclean.
  if (fstat(fd.fd, &st) == 0) detail::write_owner_record(name, static_cast<unsigned long>(st.st_ino));
  return out;
}

SharedMemory SharedMemory::create(std::size_t size) {
  std::random_device rd;
  for (int attempt = 0;; ++attempt) {
    char name[64];
    std::snprintf(name, sizeof name, "hmp_%ld_%08x%08x", static_cast<long>(getpid()), rd(), rd());
    try {
      return create(name, size);
    } catch (const AlreadyExists&) {
      if (attempt >= 16) throw;
    }
  }
}

SharedMemory SharedMemory::attach(const std::string& name) {
  validate_name(name);
  Fd fd;
  fd.fd = shm_open(posix_name(name).c_str(), O_RDWR, 0);
  if (fd.fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw NotFound("SharedMemory '" + name + "' does not exist on this node");
    throw Error("SharedMemory '" + name + "': shm_open failed: " + errno_text(err));
  }
  struct stat st {};
  if (fstat(fd.fd, &st) != 0) throw Error("SharedMemory '" + name + "': fstat failed: " + errno_text(errno));
  if (st.st_uid != geteuid())
    throw Error("SharedMemory '" + name + "' belongs to another user (uid " + std::to_string(st.st_uid) +
                "); segments are their owner's alone");
  if (st.st_size <= 0) throw Error("SharedMemory '" + name + "' is empty (its creator has not sized it yet)");
  SharedMemory out;
  out.name_ = name;
  out.size_ = static_cast<std::size_t>(st.st_size);
  out.data_ = map(fd.fd, out.size_, name);
  return out;
}

SharedMemory SharedMemory::create_on_node(const Communicator& node, const std::string& name, std::size_t size) {
  SharedMemory out;
  // status: 0 ok, 1 AlreadyExists, 2 UsageError, 3 other; then the message
  int status = 0;
  std::string message;
  if (node.rank() == 0) {
    try {
      out = create(name, size);
    } catch (const AlreadyExists& e) {
      status = 1, message = e.what();
    } catch (const UsageError& e) {
      status = 2, message = e.what();
    } catch (const std::exception& e) {
      status = 3, message = e.what();
    }
  }
  int head[2] = {status, static_cast<int>(message.size())};
  HMP_MPI_CHECK(MPI_Bcast(head, 2, MPI_INT, 0, node.native()));
  if (head[0] != 0) {
    std::vector<char> text(static_cast<std::size_t>(head[1]));
    if (node.rank() == 0) text.assign(message.begin(), message.end());
    HMP_MPI_CHECK(MPI_Bcast(text.data(), head[1], MPI_CHAR, 0, node.native()));
    const std::string m(text.begin(), text.end());
    if (head[0] == 1) throw AlreadyExists(m);
    if (head[0] == 2) throw UsageError(m);
    throw Error(m);
  }
  int ok = 1;
  std::string attach_error;
  if (node.rank() != 0) {
    try {
      out = attach(name);
    } catch (const std::exception& e) {
      ok = 0, attach_error = e.what();
    }
  }
  int all_ok = 0;
  HMP_MPI_CHECK(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, node.native()));
  if (!all_ok) {
    if (node.rank() == 0) out.unlink();
    throw Error("SharedMemory::create_on_node '" + name + "': " +
                (ok ? std::string("another rank could not attach") : attach_error));
  }
  return out;
}

void SharedMemory::close() noexcept {
  if (data_) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

void SharedMemory::unlink() {
  if (name_.empty()) throw UsageError("SharedMemory::unlink: this handle has no segment");
  const int err = detail::unlink_segment(posix_name(name_));
  if (err != 0) {
    if (err == ENOENT) throw NotFound("SharedMemory '" + name_ + "' was already unlinked");
    throw Error("SharedMemory '" + name_ + "': shm_unlink failed: " + errno_text(err));
  }
}

}  // namespace hmp
