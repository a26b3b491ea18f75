// Rank 1 throws while the others wait in a barrier: the job must end at
// once with a message naming rank 1, not hang.
#include <hmp/runtime.hpp>

#include <stdexcept>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  if (rt.rank() == 1) throw std::runtime_error("deliberate failure on rank 1");
  rt.world().barrier();
  return 0;
}
