#include <hmp/detail/cross_memory.hpp>
#include <hmp/detail/environment_setting.hpp>
#include <hmp/detail/fresh_token.hpp>
#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/errors.hpp>

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace hmp::detail {

bool cross_memory_allowed() {
  const char* env = std::getenv("HMP_CROSS_MEMORY");
  if (!env || !*env || std::string(env) == "1") return true;
  if (std::string(env) == "0") return false;
  throw bad_environment_setting("HMP_CROSS_MEMORY", env,
                                "give 1 (workers on root's node read their inputs from root's memory, the "
                                "default) or 0 (inputs travel as messages)");
}

void read_process_memory(std::uint64_t pid, std::uint64_t from, std::span<std::byte> into) {
  std::size_t done = 0;
  while (done < into.size()) {
    iovec local{into.data() + done, into.size() - done};
    iovec remote{reinterpret_cast<void*>(from + done), into.size() - done};
    const ssize_t n = process_vm_readv(static_cast<pid_t>(pid), &local, 1, &remote, 1, 0);
    if (n <= 0)
      throw Error(std::string("hmp: cannot read root's memory (process_vm_readv: ") +
                  (n < 0 ? std::strerror(errno) : "nothing read") +
                  "); set HMP_CROSS_MEMORY=0 to send inputs as messages");
    done += static_cast<std::size_t>(n);
  }
}

std::vector<char> ranks_reading_root_memory(const Communicator& comm, int root, const Communicator& node) {
  const int rank = comm.rank();
  int size = comm.size();
  if (root < 0 || root >= size) return {};  // the pool says so, on every rank alike
  bool allowed = true;
  std::string bad;
  try {
    allowed = cross_memory_allowed();
  } catch (const UsageError& e) {
    bad = e.what();  // thrown after the collectives, which every rank makes
  }
#ifdef HMP_SMPI
  // Simulated ranks share one process: messages are what the simulation times.
  size = 1;
#endif
  if (size == 1) {
    if (!bad.empty()) throw UsageError(bad);
    return std::vector<char>(rank == root ? static_cast<std::size_t>(comm.size()) : 0, 0);
  }
  std::uint64_t word = 0;  // read by workers before root's gather completes
  std::uint64_t where[3] = {0, 0, 0};  // root's pid (0: off), the word's address and value
  if (rank == root && allowed && bad.empty()) {
    word = fresh_token();  // only root's process holds it: a reader that finds it read root
    where[0] = static_cast<std::uint64_t>(getpid());
    where[1] = reinterpret_cast<std::uintptr_t>(&word);
    where[2] = word;
  }
  HMP_MPI_CHECK(MPI_Bcast(where, 3, MPI_UINT64_T, root, comm.native()));
  char reads = 0;
  if (rank != root && where[0] != 0 && allowed && is_on_node(comm, root, node)) {
    std::uint64_t seen = 0;
    try {
      read_process_memory(where[0], where[1], std::as_writable_bytes(std::span(&seen, 1)));
      reads = seen == where[2];
    } catch (const Error&) {
      reads = 0;  // not allowed here: inputs travel as messages
    }
  }
  std::vector<char> flags(rank == root ? static_cast<std::size_t>(size) : 0);
  HMP_MPI_CHECK(MPI_Gather(&reads, 1, MPI_CHAR, flags.data(), 1, MPI_CHAR, root, comm.native()));
  if (!bad.empty()) throw UsageError(bad);
  return flags;
}

}  // namespace hmp::detail
