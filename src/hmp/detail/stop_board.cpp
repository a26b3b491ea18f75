#include <hmp/detail/mpi_check.hpp>
#include <hmp/detail/stop_board.hpp>

namespace hmp::detail {

StopBoard::StopBoard(const NodeGroups& groups, bool posts) {
  const bool leader = groups.node.rank() == 0;
  void* base = nullptr;
  node_window_ = Window::allocate_shared(groups.node, leader ? sizeof(std::uint64_t) : 0, sizeof(std::uint64_t),
                                         &base);
  word_ = static_cast<std::uint64_t*>(node_window_.shared_query(0));
  if (leader) *word_ = 0;  // before the barrier below: no rank reads it earlier
  if (leader) {
    leaders_window_ = Window::create(groups.leaders, word_, sizeof(std::uint64_t), sizeof(std::uint64_t));
    leaders_ = groups.leaders.size();
    posting_ = posts;
    if (posting_) leaders_window_.lock_all();
  }
  HMP_MPI_CHECK(MPI_Barrier(groups.node.native()));
}

void StopBoard::post(std::uint64_t seq) {
  if (!posting_ || (in_flight_ && posted_ == seq)) return;  // once a call
  complete();
  posted_ = seq;
  for (int l = 0; l < leaders_; ++l)
    HMP_MPI_CHECK(MPI_Put(&posted_, 1, MPI_UINT64_T, l, 0, 1, MPI_UINT64_T, leaders_window_.native()));
  in_flight_ = true;
}

void StopBoard::complete() {
  if (!in_flight_) return;
  HMP_MPI_CHECK(MPI_Win_flush_all(leaders_window_.native()));
  in_flight_ = false;
}

}  // namespace hmp::detail
