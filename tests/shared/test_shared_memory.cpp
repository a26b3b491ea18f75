// SharedMemory / SharedMemoryManager: named POSIX segments on one node.
#include <gtest/gtest.h>
#include <hmp/runtime.hpp>
#include <hmp/shared_memory.hpp>
#include <hmp/shared_memory_manager.hpp>
#include <hmp/detail/segment_owner.hpp>

#include <mpi.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <limits>
#include <string>

namespace {

hmp::Runtime& rt() { return hmp::Runtime::current(); }

// Unique per rank and per run, so parallel runs never collide.
std::string unique(const std::string& tag) {
  return "hmp_test_" + std::to_string(getpid()) + "_" + tag;
}

bool exists_in_dev_shm(const std::string& name) {
  struct stat st {};
  return stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

std::string owner_record(const std::string& name) {
  std::ifstream in("/dev/shm/hmp-owner." + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SharedMemory, CreateAttachSeeSameBytesThenUnlink) {
  const std::string name = unique("a");
  auto made = hmp::SharedMemory::create(name, 10000);
  EXPECT_EQ(made.size(), 10000u);
  EXPECT_EQ(made.name(), name);
  for (auto b : made.buf()) ASSERT_EQ(b, std::byte{0});
  made.as_span<int>()[17] = 1234;
  auto other = hmp::SharedMemory::attach(name);
  EXPECT_EQ(other.size(), 10000u);
  EXPECT_EQ(other.as_span<int>()[17], 1234);
  other.as_span<int>()[3] = -5;
  EXPECT_EQ(made.as_span<int>()[3], -5);
  other.close();
  EXPECT_FALSE(other.is_open());
  EXPECT_TRUE(other.buf().empty());
  made.unlink();
  EXPECT_FALSE(exists_in_dev_shm(name));
  EXPECT_EQ(made.as_span<int>()[17], 1234);  // the mapping outlives the name
  EXPECT_THROW(hmp::SharedMemory::attach(name), hmp::NotFound);
  EXPECT_THROW(made.unlink(), hmp::NotFound);
}

TEST(SharedMemory, OwnerOnlyMode) {
  const std::string name = unique("mode");
  const mode_t old = umask(0);  // even a permissive umask must not widen it
  auto s = hmp::SharedMemory::create(name, 100);
  umask(old);
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm/" + name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());
  s.unlink();
}

TEST(SharedMemory, ExistingNameIsAlreadyExists) {
  const std::string name = unique("dup");
  auto s = hmp::SharedMemory::create(name, 64);
  EXPECT_THROW(hmp::SharedMemory::create(name, 64), hmp::AlreadyExists);
  s.unlink();
}

TEST(SharedMemory, MissingNameIsNotFound) {
  EXPECT_THROW(hmp::SharedMemory::attach(unique("never_made")), hmp::NotFound);
}

TEST(SharedMemory, BadNamesNeverReachTheFileSystem) {
  const std::string bad[] = {"", "a/b", "/abc", "..", "a..b", ".", "../etc", "a b", "x\n", "caf\xc3\xa9",
                             std::string(201, 'x')};
  for (const auto& n : bad) {
    EXPECT_THROW(hmp::SharedMemory::create(n, 16), hmp::UsageError) << "name '" << n << "'";
    EXPECT_THROW(hmp::SharedMemory::attach(n), hmp::UsageError) << "name '" << n << "'";
  }
  // The longest allowed name works.
  std::string longest = unique("L");
  longest += std::string(hmp::SharedMemory::max_name_length - longest.size(), 'z');
  auto s = hmp::SharedMemory::create(longest, 16);
  EXPECT_TRUE(exists_in_dev_shm(longest));
  s.unlink();
}

TEST(SharedMemory, OwnerRecordNamesTheCreatorUntilUnlinked) {
  const std::string name = unique("owned");
  auto s = hmp::SharedMemory::create(name, 64);
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm/" + name).c_str(), &st), 0);
  const std::string record = owner_record(name);
#ifdef HMP_SMPI
  const long owner = ::syscall(SYS_getpid);  // the simulator's process (getpid is the simulated rank's)
#else
  const long owner = getpid();
#endif
  EXPECT_NE(record.find("pid=" + std::to_string(owner) + " "), std::string::npos) << record;
  EXPECT_NE(record.find("inode=" + std::to_string(st.st_ino) + " "), std::string::npos) << record;
  ASSERT_EQ(stat(("/dev/shm/hmp-owner." + name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  s.unlink();
  EXPECT_FALSE(exists_in_dev_shm("hmp-owner." + name));
  // Records' names are hmp's: no segment may take one.
  EXPECT_THROW(hmp::SharedMemory::create("hmp-owner." + name, 16), hmp::UsageError);
}

TEST(SharedMemory, SegmentOfAKilledCreatorIsRemovedByTheNextCleanup) {
  const std::string orphan = unique("orphan"), live = unique("live");
  auto mine = hmp::SharedMemory::create(live, 64);
  const pid_t child = fork();
  if (child == 0) {  // a creator that dies by kill -9: no exit path runs
    auto s = hmp::SharedMemory::create(orphan, 64);
    raise(SIGKILL);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  // kill -9 left the segment (unless another hmp start on the node already removed it).
  hmp::detail::remove_orphan_segments();   // what the next hmp start runs
  EXPECT_FALSE(exists_in_dev_shm(orphan));
  EXPECT_FALSE(exists_in_dev_shm("hmp-owner." + orphan));
  // A live creator's segment stays.
  EXPECT_TRUE(exists_in_dev_shm(live));
  EXPECT_TRUE(exists_in_dev_shm("hmp-owner." + live));
  mine.unlink();
}

TEST(SharedMemory, SizeZeroOrBeyondTheNodeIsUsageError) {
  const std::string name = unique("size");
  EXPECT_THROW(hmp::SharedMemory::create(name, 0), hmp::UsageError);
  // More than /dev/shm holds at all: free space moves while other ranks make and drop segments.
  struct statvfs fs {};
  ASSERT_EQ(statvfs("/dev/shm", &fs), 0);
  const std::size_t whole = static_cast<std::size_t>(fs.f_blocks) * static_cast<std::size_t>(fs.f_frsize);
  EXPECT_THROW(hmp::SharedMemory::create(name, whole + 1), hmp::UsageError);
  EXPECT_THROW(hmp::SharedMemory::create(name, std::numeric_limits<std::size_t>::max()), hmp::UsageError);
  EXPECT_FALSE(exists_in_dev_shm(name));
}

TEST(SharedMemory, CreateOnNodeSharesAcrossTheNodesRanks) {
  const auto& node = rt().node();
  // One name per node: node rank 0's pid.
  int pid = static_cast<int>(getpid());
  MPI_Bcast(&pid, 1, MPI_INT, 0, node.native());
  const std::string name = "hmp_test_" + std::to_string(pid) + "_node";
  auto s = hmp::SharedMemory::create_on_node(node, name, 4096);
  const int me = node.rank();
  s.as_span<int>()[static_cast<std::size_t>(me)] = 100 + rt().rank();
  node.barrier();  // a barrier is a full memory barrier between the ranks here
  const int first = rt().rank() - me;
  for (int r = 0; r < node.size(); ++r) EXPECT_EQ(s.as_span<int>()[static_cast<std::size_t>(r)], 100 + first + r);
  // A second create on the node fails on every rank of it.
  EXPECT_THROW(hmp::SharedMemory::create_on_node(node, name, 4096), hmp::AlreadyExists);
  node.barrier();
  if (me == 0) s.unlink();
  node.barrier();
  EXPECT_FALSE(exists_in_dev_shm(name));
}

TEST(SharedMemoryManager, UnlinksEverythingItMade) {
  std::string a, b;
  {
    hmp::SharedMemoryManager manager;
    auto s1 = manager.create(1000);
    auto s2 = manager.create(unique("managed"), 2000);
    a = s1.name(), b = s2.name();
    EXPECT_EQ(manager.names().size(), 2u);
    EXPECT_TRUE(exists_in_dev_shm(a));
    EXPECT_TRUE(exists_in_dev_shm(b));
    EXPECT_EQ(hmp::SharedMemory::attach(a).size(), 1000u);
  }
  EXPECT_FALSE(exists_in_dev_shm(a));
  EXPECT_FALSE(exists_in_dev_shm(b));
  EXPECT_FALSE(exists_in_dev_shm("hmp-owner." + a));
  EXPECT_FALSE(exists_in_dev_shm("hmp-owner." + b));
  EXPECT_THROW(hmp::SharedMemory::attach(a), hmp::NotFound);
  // Also when an exception leaves the scope.
  std::string c;
  try {
    hmp::SharedMemoryManager manager;
    c = manager.create(10).name();
    throw std::runtime_error("leaving");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(exists_in_dev_shm(c));
}

}  // namespace
