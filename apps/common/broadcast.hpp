// Moving inputs and decisions from root to every rank (collective): a file is
// read on root only, then its contents (or its error) reach every rank, so
// all ranks take the same path and exit with the same status.
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/agreement.hpp>

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace hmp::apps {

/// Root's string on every rank (the library's, detail/agreement.hpp).
inline void broadcast_string(const Communicator& comm, std::string& s, int root = 0) {
  detail::broadcast_string(comm, s, root);
}

/// Root's vector (trivially copyable T) on every rank, in pieces under 2^30
/// bytes (MPI counts are int).
template <class T>
void broadcast_vector(const Communicator& comm, std::vector<T>& v, int root = 0) {
  std::uint64_t n = v.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm.native());
  v.resize(n);
  auto* bytes = reinterpret_cast<char*>(v.data());
  const std::uint64_t total = n * sizeof(T);
  constexpr std::uint64_t piece = std::uint64_t(1) << 30;
  for (std::uint64_t off = 0; off < total; off += piece)
    MPI_Bcast(bytes + off, static_cast<int>(std::min(piece, total - off)), MPI_BYTE, root, comm.native());
}

/// Root's int on every rank.
inline int broadcast_int(const Communicator& comm, int v, int root = 0) {
  MPI_Bcast(&v, 1, MPI_INT, root, comm.native());
  return v;
}

}  // namespace hmp::apps
