#include <common/broadcast.hpp>
#include <common/driver.hpp>

#include <hmp/detail/cross_memory.hpp>
#include <hmp/detail/wait_until.hpp>

namespace hmp::apps {

std::string layout_string(const Runtime& rt, int threads) {
  const auto& t = rt.topology();
  return std::to_string(t.world_size) + " rank" + (t.world_size == 1 ? "" : "s") + " on " + std::to_string(t.nodes) +
         " node" + (t.nodes == 1 ? "" : "s") + (t.simulated ? " (simulated)" : "") + " (" +
         std::to_string(t.ranks_per_node) + " per node), " + std::to_string(threads) + " thread" +
         (threads == 1 ? "" : "s") + " per rank";
}

int method_threads(const std::string& method, int threads) { return method == "sequential" ? 1 : threads; }

void report_error(const Runtime& rt, const std::string& app, const std::string& message) {
  if (!rt.is_root()) return;
  std::fprintf(stderr, "hmp-%s: %s\n", app.c_str(), message.c_str());
  std::fflush(stderr);
}

bool settings_allowed(const Runtime& rt, const std::string& app, const std::function<void()>& check) {
  std::string error;
  try {
    detail::wait_timeout_from_environment();
    detail::cross_memory_allowed();
#ifdef HMP_SMPI
    host_time();  // the record's, checked before the run rather than after it
#endif
    if (check) check();
  } catch (const UsageError& e) {
    error = e.what();
  }
  broadcast_string(rt.world(), error);  // root's settings decide, so every rank stops alike
  if (!error.empty()) report_error(rt, app, error);
  return error.empty();
}

NpyArray read_input(Runtime& rt, const std::string& path, const std::function<void(const NpyArray&)>& check) {
  NpyArray a;
  std::string error;
  if (rt.is_root()) {
    try {
      a = read_npy(path);
      check(a);
      // The rule of --items and --size: at least one item, of size at least 1.
      if (a.header.elements() == 0)
        throw InputError{"shape " + shape_string(a.header.shape) +
                         " holds no numbers: an input needs at least 1 item of size at least 1, as --items and --size do"};
    } catch (const NpyError& e) {
      error = std::string("--input ") + e.what();
    } catch (const InputError& e) {
      error = "--input " + path + ": " + e.message;
    } catch (const std::bad_alloc&) {
      error = "--input " + path + ": not enough memory for its data";
    }
  }
  const auto& comm = rt.world();
  broadcast_string(comm, error);
  if (!error.empty()) throw InputError{error};
  const Dtype d = a.header.dtype;
  a.header.dtype = Dtype{static_cast<char>(broadcast_int(comm, d.kind)), static_cast<unsigned>(broadcast_int(comm, static_cast<int>(d.bytes))),
                         broadcast_int(comm, d.big_endian) != 0};
  std::vector<std::uint64_t> shape(a.header.shape.begin(), a.header.shape.end());
  broadcast_vector(comm, shape);
  a.header.shape.assign(shape.begin(), shape.end());
  broadcast_vector(comm, a.bytes);
  return a;
}

NpyArray read_matrix_stack(Runtime& rt, Options& opt, const std::function<void(const NpyArray&)>& check) {
  NpyArray a = read_input(rt, opt.input, [&](const NpyArray& in) {
    const auto& sh = in.header.shape;
    if (sh.size() != 3) throw InputError{"shape " + shape_string(sh) + ": expected (items, rows, cols)"};
    if (check) check(in);
  });
  opt.items = a.header.shape[0];
  opt.size = a.header.shape[1];
  return a;
}

}  // namespace hmp::apps
