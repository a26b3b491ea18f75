#include <hmp/detail/segment_owner.hpp>
#include <hmp/errors.hpp>
#include <hmp/shared_memory.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

// SMPI's compiler wrapper renames getpid to the simulated rank's id; a
// segment's owner is the OS process (the simulator), as /proc knows it.
#ifdef getpid
#undef getpid
#endif

namespace hmp::detail {

namespace {

constexpr const char* kShmDir = "/dev/shm";
// A record still empty after this long was left by a creator that died
// between making it and writing it.
constexpr std::time_t kEmptyRecordGrace = 60;

struct Owner {
  long pid = 0;
  unsigned long long start = 0;  // clock ticks after boot (/proc/pid/stat field 22)
  std::string pidns, job;
  unsigned long inode = 0;
};

// The start time of `pid`, or 0 when there is no such process (or only its
// zombie).
// POSIX read, not a stream: libstdc++'s filebuf throws when the process
// ends between open and read (ESRCH), and a dead owner is an answer here.
unsigned long long start_time(long pid) {
  const int fd = open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  const std::string text(buf, static_cast<std::size_t>(n));
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3 && (field == "Z" || field == "X")) return 0;
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::string my_pidns() {
  char buf[64] = {};
  const ssize_t n = readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "-";
}

// Only characters that are safe to print and parse back.
std::string clean_token(const char* s) {
  std::string out;
  for (; s && *s && out.size() < 64; ++s)
    if (std::isalnum(static_cast<unsigned char>(*s)) || std::strchr("._-", *s)) out += *s;
  return out;
}

std::string job_id() {
  if (auto id = clean_token(std::getenv("SLURM_JOB_ID")); !id.empty()) return "slurm:" + id;
  if (auto id = clean_token(std::getenv("OMPI_MCA_ess_base_jobid")); !id.empty()) return "ompi:" + id;
  return "pid:" + std::to_string(getpid());
}

std::string encode(const Owner& o) {
  std::ostringstream out;
  out << "pid=" << o.pid << " start=" << o.start << " pidns=" << o.pidns << " inode=" << o.inode
      << " job=" << o.job << '\n';
  return out.str();
}

bool decode(const std::string& text, Owner& o) {
  std::istringstream in(text);
  std::string kv;
  int seen = 0;
  while (in >> kv) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) return false;
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "pid") o.pid = std::strtol(v.c_str(), nullptr, 10), ++seen;
    else if (k == "start") o.start = std::strtoull(v.c_str(), nullptr, 10), ++seen;
    else if (k == "pidns") o.pidns = v, ++seen;
    else if (k == "inode") o.inode = std::strtoul(v.c_str(), nullptr, 10), ++seen;
    else if (k == "job") o.job = v, ++seen;
  }
  return seen == 5 && o.pid > 0;
}

bool owner_alive(const Owner& o) {
  if (o.pidns != my_pidns()) return true;  // cannot see that process: assume it lives
  const unsigned long long start = start_time(o.pid);
  return start != 0 && start == o.start;
}

// Reads a record of this user; false when it is not one (or unreadable).
bool read_record(const std::string& record, std::string& text, struct stat& st) {
  const int fd = shm_open(("/" + record).c_str(), O_RDONLY | O_NOFOLLOW, 0);
  if (fd < 0) return false;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && st.st_size < 4096;
  if (ok) {
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    ok = n >= 0;
    if (ok) text.assign(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return ok;
}

// Unlinks segment `name` if it is still the file the record describes.
void remove_segment_of(const std::string& name, const Owner& o) {
  struct stat st {};
  const std::string path = std::string(kShmDir) + "/" + name;
  if (lstat(path.c_str(), &st) == 0 && st.st_ino == o.inode && st.st_uid == geteuid())
    shm_unlink(("/" + name).c_str());
}

}  // namespace

void write_owner_record(const std::string& name, unsigned long inode) noexcept {
  try {
    Owner me;
    me.pid = getpid();
    me.start = start_time(me.pid);
    me.pidns = my_pidns();
    me.job = job_id();
    me.inode = inode;
    const std::string text = encode(me);
    const int fd = shm_open(("/" + std::string(kOwnerRecordPrefix) + name).c_str(),
                            O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW, S_IRUSR | S_IWUSR);
    if (fd < 0) return;
    // One write of a short line: a reader sees all of it or an empty file.
    [[maybe_unused]] const ssize_t n = write(fd, text.data(), text.size());
    close(fd);
  } catch (...) {
  }
}

void remove_owner_record(const char* posix_name) noexcept {
  // "/hmp-owner." + name without its '/', built without allocating.
  char path[320];
  const std::size_t prefix = std::strlen(kOwnerRecordPrefix);
  const std::size_t len = std::strlen(posix_name);
  if (len < 2 || posix_name[0] != '/' || 1 + prefix + len > sizeof path) return;
  path[0] = '/';
  std::memcpy(path + 1, kOwnerRecordPrefix, prefix);
  std::memcpy(path + 1 + prefix, posix_name + 1, len);  // copies the '\0' too
  shm_unlink(path);
}

std::vector<OrphanSegment> remove_orphan_segments(long ended_pid) {
  std::vector<OrphanSegment> removed;
  DIR* dir = opendir(kShmDir);
  if (!dir) return removed;
  std::vector<std::string> records;
  const std::string prefix = kOwnerRecordPrefix;
  while (const dirent* e = readdir(dir))
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) records.emplace_back(e->d_name);
  closedir(dir);
  for (const auto& record : records) {
    const std::string name = record.substr(prefix.size());
    try {
      SharedMemory::validate_name(name);
    } catch (const UsageError&) {
      continue;  // not one of ours
    }
    std::string text;
    struct stat st {};
    if (!read_record(record, text, st)) continue;
    Owner o;
    if (!decode(text, o)) {
      if (text.empty() && std::time(nullptr) - st.st_mtime > kEmptyRecordGrace) shm_unlink(("/" + record).c_str());
      continue;
    }
    const bool ended = ended_pid != 0 && o.pid == ended_pid && o.pidns == my_pidns();
    if (!ended && owner_alive(o)) continue;
    remove_segment_of(name, o);
    // Two cleaners at once (simulated nodes): only the one that removed the record reports.
    if (shm_unlink(("/" + record).c_str()) == 0) removed.push_back({name, o.job, o.pid});
  }
  return removed;
}

}  // namespace hmp::detail
