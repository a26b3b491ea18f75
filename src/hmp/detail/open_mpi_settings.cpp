#include <hmp/detail/open_mpi_settings.hpp>
#include <hmp/errors.hpp>

#include <cstdlib>
#include <sstream>
#include <vector>

namespace hmp::detail {

std::optional<std::string> open_mpi_setting(const char* name) {
#ifdef OPEN_MPI
  int provided = 0, index = -1, count = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return std::nullopt;
  std::optional<std::string> value;
  MPI_T_cvar_handle handle = MPI_T_CVAR_HANDLE_NULL;
  if (MPI_T_cvar_get_index(name, &index) == MPI_SUCCESS &&
      MPI_T_cvar_handle_alloc(index, nullptr, &handle, &count) == MPI_SUCCESS) {
    int verbosity = 0, bind = 0, scope = 0, length = 0, desc_length = 0;
    MPI_Datatype type = MPI_DATATYPE_NULL;
    MPI_T_enum enumtype = MPI_T_ENUM_NULL;
    MPI_T_cvar_get_info(index, nullptr, &length, &verbosity, &type, &enumtype, nullptr,
                        &desc_length, &bind, &scope);
    if (type == MPI_CHAR) {
      std::vector<char> text(static_cast<std::size_t>(count) + 1, '\0');
      if (MPI_T_cvar_read(handle, text.data()) == MPI_SUCCESS) value = std::string(text.data());
    }
    MPI_T_cvar_handle_free(&handle);
  }
  MPI_T_finalize();
  return value;
#else
  (void)name;
  return std::nullopt;
#endif
}

std::string without_excluded(const std::string& exclusions, const std::string& component) {
  if (exclusions.empty() || exclusions[0] != '^') return exclusions;
  std::istringstream list(exclusions.substr(1));
  std::string item, kept;
  while (std::getline(list, item, ','))
    if (item != component) kept += (kept.empty() ? "" : ",") + item;
  return kept.empty() ? "" : "^" + kept;  // "" selects every component
}

void apply_open_mpi_defaults() {
  // Open MPI 4.1's one-sided atomics over the vader BTL's single-copy path
  // crash in containers (seen on Debian 12 under KVM); without single copy
  // they work.
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  // Debian's openmpi-mca-params.conf sets osc = ^ucx,pt2pt: over TCP no
  // component is left for windows that span hosts (osc/rdma needs an RDMA
  // network) and MPI_Win_allocate fails with MPI_ERR_WIN. Allow osc/pt2pt
  // again, keeping the rest of the site's choice; a user's own osc setting
  // (environment, or mpirun --mca osc, which reaches ranks as OMPI_MCA_osc) wins.
  if (std::getenv("OMPI_MCA_osc")) return;
  if (const auto osc = open_mpi_setting("osc")) {
    const std::string allowed = without_excluded(*osc, "pt2pt");
    if (allowed != *osc) setenv("OMPI_MCA_osc", allowed.c_str(), 0);
  }
}

void check_one_sided_between_nodes(MPI_Comm world, int real_nodes) {
  if (real_nodes < 2) return;
  void* base = nullptr;
  MPI_Win win = MPI_WIN_NULL;
  const int rc = MPI_Win_allocate(1, 1, MPI_INFO_NULL, world, &base, &win);
  int ok = rc == MPI_SUCCESS ? 1 : 0, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, world);
  if (win != MPI_WIN_NULL) MPI_Win_free(&win);
  if (all_ok) return;
  const char* user = std::getenv("OMPI_MCA_osc");
  const auto osc = user ? std::optional<std::string>(user) : open_mpi_setting("osc");
  const std::string which = !osc ? "" :
      " with Open MPI's osc setting '" + *osc + "'" + (user ? " (OMPI_MCA_osc or mpirun --mca osc)" : "");
  throw UsageError("one-sided MPI (MPI_Win_allocate) fails between nodes" + which +
                   ": allow a one-sided component for this network, e.g. mpirun --mca osc ^ucx "
                   "(Open MPI's osc/pt2pt, used over TCP, needs a thread level below MPI_THREAD_MULTIPLE)");
}

}  // namespace hmp::detail
