// Is it really one object? Python's tutorial prints id(shared_array) in
// every worker and a SharedMemory segment's name in every process: the same
// values everywhere. Here every rank asks the kernel (/proc/self/maps) which
// file and offset its mapping of the shared memory comes from, and root
// compares every rank's answer with its own; every rank also writes its own
// element and root reads them all. Addresses differ from rank to rank (each
// process maps the memory where it likes); the memory behind them is one.
#include <hmp/array.hpp>
#include <hmp/runtime.hpp>
#include <hmp/shared_memory.hpp>
#include <hmp/shared_memory_manager.hpp>

#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The file (device, inode) and the offset in it behind address p.
struct Backing {
  std::uint64_t device = 0, inode = 0, offset = 0;
  bool operator==(const Backing&) const = default;
};

Backing backing_of(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    std::istringstream in(line);
    std::uintptr_t start = 0, end = 0;
    std::uint64_t offset = 0, major = 0, minor = 0, inode = 0;
    char dash, colon;
    std::string perms;
    in >> std::hex >> start >> dash >> end >> perms >> offset >> major >> colon >> minor >> std::dec >> inode;
    if (in && start <= at && at < end) return {major << 32 | minor, inode, offset + (at - start)};
  }
  return {};
}

// Root prints, for every rank, whether its memory is root's memory.
void report(const hmp::Runtime& rt, const Backing& mine) {
  std::vector<Backing> all(rt.is_root() ? rt.size() : 0);
  MPI_Gather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, 0, rt.world().native());
  if (!rt.is_root()) return;
  for (int r = 0; r < rt.size(); ++r)
    std::printf("  rank %d maps %s\n", r,
                all[r] == all[0] && all[0].inode != 0 ? "the same file and offset as root" : "other memory");
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);

  // 1. An Array (one copy per node): every rank writes its own element.
  hmp::Array<double> a(rt, rt.size());
  if (rt.is_root()) std::printf("Array of %d doubles, one copy per node\n", rt.size());
  report(rt, backing_of(a.data()));
  a[rt.rank()] = 100 + rt.rank();
  a.fence();
  if (rt.is_root()) {
    std::printf("  root reads");
    for (int r = 0; r < rt.size(); ++r) std::printf(" %g", static_cast<double>(a[r]));
    std::printf(" (rank r wrote 100 + r)\n");
  }

  // 2. A SharedMemory segment: root makes it, every rank attaches by name.
  hmp::SharedMemoryManager manager;
  hmp::SharedMemory seg;
  char name[hmp::SharedMemory::max_name_length + 1] = {};
  if (rt.is_root()) {
    seg = manager.create(4096);
    std::strcpy(name, seg.name().c_str());
    std::printf("SharedMemory segment made by root, attached by its name\n");
  }
  MPI_Bcast(name, sizeof name, MPI_CHAR, 0, rt.world().native());
  if (!rt.is_root()) seg = hmp::SharedMemory::attach(name);
  report(rt, backing_of(seg.buf().data()));
  rt.world().barrier();  // root's manager unlinks the name only after every rank attached
}
