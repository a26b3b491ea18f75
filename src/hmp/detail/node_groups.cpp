#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/runtime.hpp>

#include <algorithm>
#include <numeric>

namespace hmp::detail {

NodeGroups split_by_node(const Communicator& comm) {
  if (!comm.valid()) throw UsageError("shared object made on a null communicator: pass one this rank belongs to");
  const Runtime& rt = Runtime::current();
  NodeGroups g;
  g.group = comm.dup();
  const int rank = g.group.rank();
  // The Runtime's node index already tells real and simulated nodes apart.
  g.node = g.group.split(rt.topology().node_index, rank);
  g.leaders = g.group.split(g.node.rank() == 0 ? 0 : MPI_UNDEFINED, rank);
  int ids[2] = {0, 1};
  if (g.leaders.valid()) {
    ids[0] = g.leaders.rank();
    ids[1] = g.leaders.size();
  }
  HMP_MPI_CHECK(MPI_Bcast(ids, 2, MPI_INT, 0, g.node.native()));
  g.node_index = ids[0];
  g.nodes = ids[1];
  return g;
}

namespace {

// The attribute holds a weak_ptr: the objects own the groups (freed while
// MPI lives), the communicator's attribute only finds them.
extern "C" int delete_cached_groups(MPI_Comm, int, void* value, void*) {
  delete static_cast<std::weak_ptr<const NodeGroups>*>(value);
  return MPI_SUCCESS;
}

int groups_keyval() {
  static const int keyval = [] {
    int k = MPI_KEYVAL_INVALID;
    HMP_MPI_CHECK(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_cached_groups, &k, nullptr));
    return k;
  }();
  return keyval;
}

}  // namespace

std::shared_ptr<const NodeGroups> shared_node_groups(const Communicator& comm) {
  if (!comm.valid()) throw UsageError("shared object made on a null communicator: pass one this rank belongs to");
  void* value = nullptr;
  int found = 0;
  HMP_MPI_CHECK(MPI_Comm_get_attr(comm.native(), groups_keyval(), &value, &found));
  if (found)
    if (auto live = static_cast<std::weak_ptr<const NodeGroups>*>(value)->lock()) return live;
  auto made = std::make_shared<const NodeGroups>(split_by_node(comm));
  // Setting the attribute again deletes the old weak_ptr through the callback.
  HMP_MPI_CHECK(MPI_Comm_set_attr(comm.native(), groups_keyval(), new std::weak_ptr<const NodeGroups>(made)));
  // The Runtime's world, where most objects are made, keeps its groups until
  // the Runtime ends (before MPI_Finalize), not only while an object lives.
  Runtime& rt = Runtime::current();
  if (comm.native() == rt.world().native()) rt.at_exit([keep = made]() mutable { keep.reset(); });
  return made;
}

std::vector<int> ranks_of_node(const Communicator& comm, const Communicator& node) {
  MPI_Group all = MPI_GROUP_NULL, here = MPI_GROUP_NULL;
  HMP_MPI_CHECK(MPI_Comm_group(comm.native(), &all));
  const int got = MPI_Comm_group(node.native(), &here);
  std::vector<int> in_node(static_cast<std::size_t>(node.size())), in_all(in_node.size());
  std::iota(in_node.begin(), in_node.end(), 0);
  const int rc =
      got == MPI_SUCCESS ? MPI_Group_translate_ranks(here, node.size(), in_node.data(), all, in_all.data()) : got;
  MPI_Group_free(&all);
  if (here != MPI_GROUP_NULL) MPI_Group_free(&here);
  HMP_MPI_CHECK(rc);
  return in_all;
}

bool is_on_node(const Communicator& comm, int rank, const Communicator& node) {
  const auto ranks = ranks_of_node(comm, node);
  return std::find(ranks.begin(), ranks.end(), rank) != ranks.end();
}

}  // namespace hmp::detail
