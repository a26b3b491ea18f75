// Open MPI settings hmp needs, made before MPI_Init (a user's own setting
// wins), and the start-up check that one-sided MPI works between nodes.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>

namespace hmp::detail {

/// Open MPI's value of the control variable `name` (MPI_T; works before
/// MPI_Init), or nothing when this MPI has no such variable.
std::optional<std::string> open_mpi_setting(const char* name);

/// `exclusions` ("^a,b,c", Open MPI's exclude-list form) without `component`;
/// other forms come back unchanged.
std::string without_excluded(const std::string& exclusions, const std::string& component);

/// Before MPI_Init: sets OMPI_MCA_* defaults where the user set none.
void apply_open_mpi_defaults();

/// Collective over `world`: allocates a one-byte window across all ranks when
/// they span more than one real node (`real_nodes`), and throws UsageError
/// with one line naming Open MPI's osc setting when MPI cannot.
void check_one_sided_between_nodes(MPI_Comm world, int real_nodes);

}  // namespace hmp::detail
