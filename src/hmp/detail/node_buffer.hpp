// The untyped core of SharedArray: one buffer per node in a shared window,
// and the collective moves between nodes (broadcast, gather).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/detail/window.hpp>
#include <hmp/index_range.hpp>
#include <hmp/placement.hpp>

#include <cstddef>
#include <span>

namespace hmp {

namespace detail {

class NodeBuffer {
 public:
  NodeBuffer(const Communicator& comm, std::size_t count, std::size_t elem_size, Placement placement);

  std::byte* data() const noexcept { return base_; }
  std::size_t count() const noexcept { return count_; }
  /// Elements this rank allocated and first-touched.
  IndexRange local_range() const noexcept { return local_; }
  const NodeGroups& groups() const noexcept { return groups_; }

  void sync() const;
  void fence() const;
  void broadcast_from_root() const;
  void gather_to_root(std::span<const IndexRange> written) const;

 private:
  NodeGroups groups_;
  std::size_t count_ = 0;
  std::size_t elem_size_ = 1;
  IndexRange local_{};
  std::byte* base_ = nullptr;
  Window win_;  // declared last: freed first
};

}  // namespace detail
}  // namespace hmp
