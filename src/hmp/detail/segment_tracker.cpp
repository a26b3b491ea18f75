#include <hmp/detail/segment_owner.hpp>
#include <hmp/detail/segment_tracker.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

namespace hmp::detail {

namespace {

// In the watcher: only the pipe's read end stays open, so that the job's
// output pipes close when the rank ends and mpirun does not wait for us.
void keep_only(int fd) {
  const int null = open("/dev/null", O_RDWR);
  for (int std_fd = 0; std_fd < 3; ++std_fd)
    if (null >= 0 && std_fd != fd) dup2(null, std_fd);
  struct rlimit lim {};
  const int top = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536 ? static_cast<int>(lim.rlim_cur) : 65536;
  for (int other = 3; other < top; ++other)
    if (other != fd) close(other);
}

[[noreturn]] void watch(int fd, long rank_pid) {
  setsid();  // out of the rank's process group: mpirun's kill(-pgid) misses us
  prctl(PR_SET_NAME, "hmp-watcher");  // what ps and top show
  for (int sig : {SIGINT, SIGHUP, SIGPIPE, SIGTERM}) std::signal(sig, SIG_IGN);
  keep_only(fd);
  char buf[64];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) break;  // the rank has ended
  }
  remove_orphan_segments(rank_pid);
  _exit(0);
}

}  // namespace

void start_segment_tracker() noexcept {
#ifdef HMP_SMPI
  // Simulated ranks are threads of one simulator process: no fork there;
  // the Runtime's exit and signal handlers remove what the job made.
  return;
#endif
  static bool started = false;
  if (started) return;
  started = true;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  const long rank_pid = getpid();
  const pid_t child = fork();
  if (child == 0) {
    close(fds[1]);
    watch(fds[0], rank_pid);
  }
  close(fds[0]);
  if (child < 0) close(fds[1]);
  // fds[1] stays open, never written, until this process ends.
}

}  // namespace hmp::detail
