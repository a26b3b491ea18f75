// A watcher process per rank, as Python's resource_tracker: when the rank
// ends in any way (kill -9, or SIGTERM from mpirun, which sends SIGKILL a
// few milliseconds later, before a handler can run), it removes the named
// segments the rank made and did not unlink.
#pragma once

namespace hmp::detail {

/// Forks the watcher (once per process; call before MPI_Init, while the
/// process has one thread). It leaves the rank's process group, so signals
/// sent to the job do not reach it, holds no descriptor but one pipe, and
/// ends right after the rank: when the pipe's other end closes, it removes
/// the segments whose owner record names the rank. Best effort: if it
/// cannot start, the next hmp start on the node cleans up instead.
void start_segment_tracker() noexcept;

}  // namespace hmp::detail
