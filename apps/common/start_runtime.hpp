// The first thing in every app's main: the Runtime, or, when the
// environment's settings are bad (OMP_NUM_THREADS, SLURM_CPUS_PER_TASK,
// HMP_SIMULATE_NODES), the apps' rule for bad input: one line from rank 0,
// exit 2. Header-only, so hmp-info and the benchmarks share it too.
#pragma once

#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>

#include <cstdio>
#include <optional>
#include <string>

namespace hmp::apps {

/// Every rank: makes `rt`; false (exit 2) on a SettingError, after rank 0
/// printed "hmp-<app>: NAME='value' is not allowed: ...".
inline bool start_runtime(std::optional<Runtime>& rt, const std::string& app, int& argc, char**& argv) {
  try {
    rt.emplace(argc, argv);
    return true;
  } catch (const SettingError& e) {
    if (e.world_rank() == 0) std::fprintf(stderr, "hmp-%s: %s\n", app.c_str(), e.what());
    return false;
  }
}

}  // namespace hmp::apps
