// FFTW wisdom kept on disk, so FFTW_MEASURE planning is paid once per machine
// and not at every run. Call these with the planner lock held (fftw_plans).
#pragma once

#include <string>

namespace hmp::workloads::fftw {

/// $HMP_FFTW_WISDOM, else $XDG_CACHE_HOME/hmp/fftw-wisdom, else
/// $HOME/.cache/hmp/fftw-wisdom; empty when HMP_FFTW_WISDOM is "off" or no
/// home is known (then nothing is read or written).
std::string wisdom_path();

/// Imports the wisdom file if it is a regular file of ours (owned by this
/// user, not writable by others, under 16 MiB); a bad file is ignored (FFTW
/// then plans afresh). Returns whether wisdom was imported.
bool load_wisdom(const std::string& path);

/// Exports all wisdom to `path`: temp file (0600) + rename, so readers never
/// see half a file and concurrent ranks never interleave. Returns success;
/// failure only costs planning time next run.
bool save_wisdom(const std::string& path);

}  // namespace hmp::workloads::fftw
