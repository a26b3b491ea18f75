// Reading another process's memory on the same machine: Linux's cross-memory
// attach (process_vm_readv), one copy made by the reader while the process
// read goes on with its own work. Workers on root's node take their share
// of a pool call's inputs so (docs/design.md, "Inputs from root"): Open MPI
// moves a large message there in 32 KB fragments, copied twice, and only
// while both ranks are inside MPI (its own single copy stays off, see
// open_mpi_settings.cpp).
#pragma once

#include <hmp/communicator.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hmp::detail {

/// HMP_CROSS_MEMORY: unset, empty or 1 on; 0 off; anything else a
/// UsageError saying what is allowed.
bool cross_memory_allowed();

/// Reads into.size() bytes at address `from` of process `pid`; throws Error
/// naming the system's reason when it cannot.
void read_process_memory(std::uint64_t pid, std::uint64_t from, std::span<std::byte> into);

/// Collective over `comm`: on `root`, which ranks read root's memory
/// themselves (one flag per rank of `comm`; empty on other ranks). A rank
/// does when it shares root's node (`node`: the ranks of this rank's node,
/// simulated nodes counting as separate) and a test read of root's memory
/// works there (the kernel may forbid it: Yama's ptrace_scope, a container's
/// seccomp profile, other users). HMP_CROSS_MEMORY=0 turns it off.
std::vector<char> ranks_reading_root_memory(const Communicator& comm, int root, const Communicator& node);

}  // namespace hmp::detail
