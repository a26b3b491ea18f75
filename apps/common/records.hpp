// Run records: one JSON object per measured method, appended to a JSON Lines
// file as ONE write() of one whole line (O_APPEND, mode 0600), so concurrent
// runs never interleave and a killed run never leaves half a line. Fields:
// docs/design.md "Records".
#pragma once

#include <common/timing.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace hmp {
class Runtime;
}

namespace hmp::apps {

struct RecordInput {
  std::string app, method;
  std::size_t items = 0, size = 0;
  int threads = 1;
  const Timing* timing = nullptr;
  std::string check = "skipped";  ///< passed, failed, skipped
  std::string timed_region;
};

/// The record with every field: app, method, items, size, ranks, nodes,
/// ranks_per_node, threads, seconds, seconds_min, seconds_median,
/// busy_seconds, check, build, host, job_id, time; and status "ok",
/// timed_region, slurm_array_job_id / slurm_array_task_id when set, study /
/// config from HMP_STUDY / HMP_CONFIG when set; simulated (true in the
/// -DHMP_SMPI=ON build) and there platform (HMP_PLATFORM) and host_time
/// (host_time()). Callers add app fields.
nlohmann::json make_record(const Runtime& rt, const RecordInput& in);

/// A simulated record's host_time: HMP_HOST_TIME ("replayed" or "skipped",
/// records.schema.json), "replayed" when unset; throws hmp::UsageError (one
/// line) for any other value. Apps of the simulated build check it at start.
std::string host_time();

/// Appends `record` as one line; throws std::runtime_error naming the file.
void append_record(const std::string& path, const nlohmann::json& record);

/// `git describe` of the source tree when this build last ran, else
/// "unknown" (defined in the build folder's build_id.cpp: cmake/build_id.cmake).
std::string build_id();
/// Now, ISO 8601 UTC with microseconds: 2026-11-25T16:05:00.123456+00:00.
std::string utc_now();

}  // namespace hmp::apps
