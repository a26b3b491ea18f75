// Who reads root's memory (detail/cross_memory.hpp): only ranks of root's
// node (simulated nodes and separate hosts never), only where the kernel
// allows it, which this test finds out on its own with a raw
// process_vm_readv; nobody with HMP_CROSS_MEMORY=0. A read the kernel
// refuses throws with the system's reason.
#include <gtest/gtest.h>
#include <hmp/detail/cross_memory.hpp>
#include <hmp/detail/node_groups.hpp>
#include <hmp/errors.hpp>
#include <hmp/runtime.hpp>

#include <sys/uio.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

using hmp::detail::ranks_reading_root_memory;
using hmp::detail::read_process_memory;

// This rank's own check: reads a word of root's (address and value
// broadcast) with one raw system call, on root's node only.
bool can_read_root_here(bool on_roots_node) {
  static std::uint64_t word = 0x0123456789abcdefull;
  std::uint64_t where[2] = {static_cast<std::uint64_t>(getpid()), reinterpret_cast<std::uintptr_t>(&word)};
  MPI_Bcast(where, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  std::uint64_t seen = 0;
  iovec local{&seen, sizeof seen}, remote{reinterpret_cast<void*>(where[1]), sizeof seen};
  const bool ok = on_roots_node && hmp::Runtime::current().rank() != 0 &&
                  process_vm_readv(static_cast<pid_t>(where[0]), &local, 1, &remote, 1, 0) == sizeof seen &&
                  seen == word;
  MPI_Barrier(MPI_COMM_WORLD);  // root's word stays until every rank looked
  return ok;
}

std::vector<int> gathered(int flag) {
  std::vector<int> all(static_cast<std::size_t>(hmp::Runtime::current().size()));
  MPI_Gather(&flag, 1, MPI_INT, all.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  return all;
}

TEST(CrossMemory, RanksOfRootsNodeReadWhereTheKernelAllows) {
  auto& rt = hmp::Runtime::current();
  const auto groups = hmp::detail::split_by_node(rt.world());
  const bool on_roots_node = groups.node_index == 0;  // world rank 0 is node rank 0 of node 0
  const auto expected = gathered(can_read_root_here(on_roots_node));
  const auto flags = ranks_reading_root_memory(rt.world(), 0, groups.node);
  if (rt.is_root()) {
    ASSERT_EQ(flags.size(), static_cast<std::size_t>(rt.size()));
    for (int r = 0; r < rt.size(); ++r) EXPECT_EQ(flags[static_cast<std::size_t>(r)] != 0, expected[static_cast<std::size_t>(r)] != 0) << "rank " << r;
  } else {
    EXPECT_TRUE(flags.empty());
  }
}

TEST(CrossMemory, NobodyWhenTurnedOff) {
  auto& rt = hmp::Runtime::current();
  const auto groups = hmp::detail::split_by_node(rt.world());
  setenv("HMP_CROSS_MEMORY", "0", 1);
  const auto flags = ranks_reading_root_memory(rt.world(), 0, groups.node);
  unsetenv("HMP_CROSS_MEMORY");
  for (char f : flags) EXPECT_EQ(f, 0);
}

TEST(CrossMemory, ABadSettingIsRefusedOnEveryRank) {
  auto& rt = hmp::Runtime::current();
  const auto groups = hmp::detail::split_by_node(rt.world());
  setenv("HMP_CROSS_MEMORY", "yes", 1);
  try {
    ranks_reading_root_memory(rt.world(), 0, groups.node);
    ADD_FAILURE() << "no UsageError";
  } catch (const hmp::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("HMP_CROSS_MEMORY='yes' is not allowed"), std::string::npos) << e.what();
  }
  unsetenv("HMP_CROSS_MEMORY");
}

TEST(CrossMemory, AReadTheKernelRefusesSaysWhy) {
  std::uint64_t into = 0;
  // Page 0 is never mapped: the kernel answers EFAULT.
  try {
    read_process_memory(static_cast<std::uint64_t>(getpid()), 8, std::as_writable_bytes(std::span(&into, 1)));
    ADD_FAILURE() << "no Error";
  } catch (const hmp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read root's memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HMP_CROSS_MEMORY=0"), std::string::npos) << e.what();
  }
}

}  // namespace
