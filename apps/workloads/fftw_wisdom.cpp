#include <workloads/fftw_wisdom.hpp>

#include <hmp/detail/full_read_write.hpp>

#include <fcntl.h>
#include <fftw3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace hmp::workloads::fftw {

namespace {

constexpr off_t kMaxWisdomBytes = 16 << 20;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// mkdir -p with 0700 for the folders we create.
void make_parents(const std::string& path) {
  for (std::size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1))
    ::mkdir(path.substr(0, pos).c_str(), 0700);
}

}  // namespace

std::string wisdom_path() {
  const std::string given = env("HMP_FFTW_WISDOM");
  if (given == "off") return {};
  if (!given.empty()) return given;
  const std::string xdg = env("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg[0] == '/') return xdg + "/hmp/fftw-wisdom";
  const std::string home = env("HOME");
  if (!home.empty() && home[0] == '/') return home + "/.cache/hmp/fftw-wisdom";
  return {};
}

bool load_wisdom(const std::string& path) {
  if (path.empty()) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
            (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && st.st_size > 0 && st.st_size < kMaxWisdomBytes;
  std::string text;
  if (ok) {
    text.resize(static_cast<std::size_t>(st.st_size));
    ok = hmp::detail::read_full(fd, text.data(), text.size()) == text.size();
  }
  ::close(fd);
  return ok && fftw_import_wisdom_from_string(text.c_str()) != 0;
}

bool save_wisdom(const std::string& path) {
  if (path.empty()) return false;
  std::unique_ptr<char, decltype(&fftw_free)> text(fftw_export_wisdom_to_string(), &fftw_free);
  if (!text) return false;
  make_parents(path);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string_view data(text.get());
  const bool ok = hmp::detail::write_full(fd, data.data(), data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace hmp::workloads::fftw
