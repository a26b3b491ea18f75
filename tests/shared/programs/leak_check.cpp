// Makes shared windows and named segments, then ends normally, by an
// uncaught exception, or by another rank's abort; tests/shared/check_leaks.sh
// checks that /dev/shm and Open MPI's session folder are as they were.
#include <hmp/pool.hpp>
#include <hmp/shared_array.hpp>
#include <hmp/shared_memory.hpp>
#include <hmp/shared_memory_manager.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

namespace {
// Proof that the segment really existed while the program ran.
void announce(const std::string& name) {
  struct stat st {};
  if (stat(("/dev/shm/" + name).c_str(), &st) == 0) std::printf("created %s\n", name.c_str());
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "";
  hmp::SharedArray<double> array(rt, 1 << 16);
  hmp::Pool pool(rt);
  hmp::SharedMemoryManager manager;
  const std::string tag = "hmp-leak-" + std::to_string(getpid());
  if (rt.is_root()) {
    announce(manager.create(tag + "-managed", 4096).name());
    auto loose = hmp::SharedMemory::create(tag + "-loose", 4096);  // never unlinked by the program
    announce(loose.name());
  }
  rt.world().barrier();
  if (mode == "normal") return 0;
  if (mode == "exception" && rt.is_root()) throw std::runtime_error("uncaught on the rank that owns the segments");
  if (mode == "abort" && rt.rank() == rt.size() - 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    throw std::runtime_error("uncaught on another rank");
  }
  rt.world().barrier();  // the others wait here until mpirun ends them
  return 0;
}
