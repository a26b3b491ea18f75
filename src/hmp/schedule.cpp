#include <hmp/schedule.hpp>

namespace hmp {

std::string to_string(Schedule::Kind kind) {
  switch (kind) {
    case Schedule::Kind::static_cyclic: return "static_cyclic";
    case Schedule::Kind::static_block: return "static_block";
    case Schedule::Kind::dynamic: return "dynamic";
    case Schedule::Kind::guided: return "guided";
  }
  return "unknown";
}

std::size_t default_chunksize(std::size_t n, std::size_t workers) {
  const std::size_t per = 4 * (workers ? workers : 1);
  const std::size_t c = (n + per - 1) / per;
  return c ? c : 1;
}

}  // namespace hmp
