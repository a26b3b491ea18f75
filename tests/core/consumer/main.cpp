#include <hmp/runtime.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  if (rt.is_root()) std::printf("consumer: %d ranks on %d node(s)\n", rt.size(), rt.topology().nodes);
  return 0;
}
