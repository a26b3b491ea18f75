#include <common/records.hpp>

#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace hmp::apps {

namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}
}  // namespace

std::string host_time() {
  // hmp_tools.sweep.smpi sets it (--host-time; HOST_TIMES there); unset:
  // SMPI's default, the host's computation replayed.
  const char* v = env("HMP_HOST_TIME");
  if (!v) return "replayed";
  const std::string value = v;
  if (value != "replayed" && value != "skipped")
    throw UsageError("HMP_HOST_TIME='" + value +
                     "' is not allowed; allowed: replayed, skipped (python3 -m hmp_tools.sweep.smpi --host-time sets it)");
  return value;
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  return buf;
}

nlohmann::json make_record(const Runtime& rt, const RecordInput& in) {
  const auto& topo = rt.topology();
  nlohmann::json r;
  r["app"] = in.app;
  r["method"] = in.method;
  r["items"] = in.items;
  r["size"] = in.size;
  r["ranks"] = topo.world_size;
  r["nodes"] = topo.nodes;
  r["ranks_per_node"] = topo.ranks_per_node;
  r["threads"] = in.threads;
  const Timing empty;
  const Timing& t = in.timing ? *in.timing : empty;
  r["seconds"] = t.seconds;
  r["seconds_min"] = t.min();
  r["seconds_median"] = t.median();
  r["busy_seconds"] = t.busy_seconds;
  r["check"] = in.check;
  r["build"] = build_id();
  r["host"] = topo.host.empty() ? "unknown" : topo.host;
  r["job_id"] = env("SLURM_JOB_ID") ? nlohmann::json(env("SLURM_JOB_ID")) : nlohmann::json(nullptr);
  if (env("SLURM_ARRAY_JOB_ID")) r["slurm_array_job_id"] = env("SLURM_ARRAY_JOB_ID");
  if (env("SLURM_ARRAY_TASK_ID")) r["slurm_array_task_id"] = env("SLURM_ARRAY_TASK_ID");
  r["time"] = utc_now();
  r["status"] = "ok";
  r["timed_region"] = in.timed_region;
  if (env("HMP_STUDY")) r["study"] = env("HMP_STUDY");
  if (env("HMP_CONFIG")) r["config"] = env("HMP_CONFIG");
#ifdef HMP_SMPI
  // Simulated time on a described platform (its name from the launcher,
  // hmp_tools.sweep.smpi), never to be read as measured seconds.
  r["simulated"] = true;
  r["platform"] = env("HMP_PLATFORM") ? env("HMP_PLATFORM") : "unknown";
  // Whether the simulated time counts the host's computation between MPI
  // calls: figures of the two kinds are never comparable.
  r["host_time"] = host_time();
#else
  r["simulated"] = false;
#endif
  return r;
}

void append_record(const std::string& path, const nlohmann::json& record) {
  // dump() escapes control characters, so the line has no newline inside.
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("--records " + path + ": cannot open: " + std::strerror(errno));
  ssize_t w;
  do {
    w = ::write(fd, line.data(), line.size());
  } while (w < 0 && errno == EINTR);
  const int saved = errno;
  ::close(fd);
  if (w < 0) throw std::runtime_error("--records " + path + ": write failed: " + std::strerror(saved));
  if (static_cast<std::size_t>(w) != line.size())
    throw std::runtime_error("--records " + path + ": short write (disk full?): the last line is incomplete");
}

}  // namespace hmp::apps
