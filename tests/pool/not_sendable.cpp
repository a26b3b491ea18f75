// Must NOT compile: a type with neither trivial copies nor cereal support
// cannot cross ranks, and the error says how to make it sendable.
#include <hmp/pool.hpp>

#include <memory>
#include <vector>

struct Opaque {
  std::unique_ptr<int> p;
  Opaque() = default;
  Opaque(const Opaque&) : p() {}
  Opaque& operator=(const Opaque&) { return *this; }
};

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  hmp::Pool pool(rt);
  std::vector<int> v{1, 2, 3};
  auto r = pool.map([](int) { return Opaque{}; }, v);
  return static_cast<int>(r.size());
}
