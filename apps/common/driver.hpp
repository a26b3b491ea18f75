// What every driver app does, once: parse the CLI, load the inputs (generated
// on every rank, or read from --input on root and broadcast), run each asked
// method through its timed region, check it against the reference, append a
// record, write --output, print the summary, and exit with one status on
// every rank (0 ok, 1 a --check mismatch, 2 bad input).
//
// A method is one function registered by name in the app's table:
//
//   void my_method(MethodContext<In, Out>& ctx) {
//     ... untimed setup (place inputs where this method keeps them) ...
//     ctx.time([&](Busy& busy) { ... the timed work; results into ctx.out on root ... });
//   }
//
// Every rank calls it; it must call ctx.time exactly once, on every rank.
#pragma once

#include <common/cli.hpp>
#include <common/npy.hpp>
#include <common/records.hpp>
#include <common/start_runtime.hpp>
#include <common/summary.hpp>
#include <common/timing.hpp>

#include <hmp/runtime.hpp>

#include <nlohmann/json.hpp>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hmp::apps {

template <class In, class Out>
struct MethodContext {
  Runtime& rt;
  const Options& options;
  const In& in;  ///< the inputs, on every rank (replicated)
  Out& out;      ///< root: where results land (already sized); other ranks: unused
  int threads;   ///< OpenMP threads per rank in this run (omp_set_num_threads done)

  /// The timed region: options.warmup untimed runs, then options.repeat timed
  /// ones, a barrier before each (collective). Call exactly once.
  const Timing& time(const std::function<void(Busy&)>& body) {
    if (timed) throw std::logic_error("a method called MethodContext::time twice");
    timing = time_repeats(rt.world(), options.warmup, options.repeat, body);
    timed = true;
    return timing;
  }

  Timing timing;
  bool timed = false;
};

template <class In, class Out>
using Method = std::function<void(MethodContext<In, Out>&)>;

template <class In, class Out>
struct AppDefinition {
  AppSpec spec;  ///< spec.methods is filled from `methods`
  /// name -> method, in the order `--method all` runs them. An empty function
  /// marks a name that is planned but not built yet (pool.* before hmp::Pool).
  std::vector<std::pair<std::string, Method<In, Out>>> methods;
  std::string timed_region;
  /// Every rank, before the inputs: reads the app's own environment
  /// settings, throwing hmp::UsageError for a bad one; may be empty.
  std::function<void()> check_settings;
  /// Every rank: the inputs (generated, or read_input(...)); sets
  /// options.items/size from a file. Throws InputError on bad input.
  std::function<In(Runtime&, Options&)> load;
  /// Root: an output of the right size for these inputs.
  std::function<Out(const In&, const Options&)> make_output;
  /// Root, untimed: the reference results --check compares with.
  std::function<void(const In&, const Options&, Out&)> reference;
  /// Root: nullopt when `got` matches `want`, else the first differing item
  /// and the tolerance, in one line.
  std::function<std::optional<std::string>(const In&, const Out& got, const Out& want)> compare;
  /// Root: --output.
  std::function<void(const std::string& path, const In&, const Out&)> write_output;
  /// "500 matrices of 100x100 complex128" for the summary.
  std::function<std::string(const In&, const Options&)> describe;
  /// Extra record fields (dtype, algorithm...); may be empty.
  std::function<void(nlohmann::json&, const In&, const Options&)> annotate;
  /// Tests only: spoils the last item of a result, applied on root after the
  /// method named by $HMP_TEST_PERTURB_METHOD, so --check's failure path runs.
  std::function<void(Out&)> perturb;
};

/// "2 ranks on 1 node (2 per node), 2 threads per rank".
std::string layout_string(const Runtime& rt, int threads);

/// Root reads `path` and runs `check` on it (both may throw NpyError or
/// InputError); every rank then gets the same array, or the same InputError.
NpyArray read_input(Runtime& rt, const std::string& path, const std::function<void(const NpyArray&)>& check);

/// read_input for a stack of matrices: shape (items, rows, cols), else
/// InputError saying so, then `check` (may be empty); sets opt.items and
/// opt.size (the rows) from the shape.
NpyArray read_matrix_stack(Runtime& rt, Options& opt, const std::function<void(const NpyArray&)>& check = {});

/// Every rank: the environment settings the methods read (hmp's
/// HMP_WAIT_TIMEOUT and HMP_CROSS_MEMORY, and the app's own through
/// `check`) as root has them; false when one is bad, after root printed
/// "hmp-<app>: NAME='value' is not allowed: ..." (a run that goes on with a
/// bad one would end in the middle of a method, on some ranks only).
bool settings_allowed(const Runtime& rt, const std::string& app, const std::function<void()>& check);

/// Threads a method really uses: 1 for "sequential", else `threads`.
int method_threads(const std::string& method, int threads);

/// Prints "hmp-<app>: message" on root (stderr).
void report_error(const Runtime& rt, const std::string& app, const std::string& message);

template <class In, class Out>
int run_app(Runtime& rt, int argc, char** argv, AppDefinition<In, Out>& def) {
  const std::string& app = def.spec.app;
  def.spec.methods.clear();
  for (const auto& m : def.methods) def.spec.methods.push_back(m.first);
  int status = 0;
  auto parsed = parse_cli(def.spec, argc, argv, rt.is_root(), status);
  if (!parsed) return status;
  Options& opt = *parsed;

  // Methods planned but not built yet: an error when asked by name, skipped (and said) under `all`.
  // The CLI accepted only registered names; each must have its function.
  for (const auto& [name, fn] : def.methods)
    if (!fn) throw std::logic_error("hmp-" + app + ": method '" + name + "' is registered without a function");
  const std::vector<std::string>& to_run = opt.methods;

  const int threads = opt.threads > 0 ? opt.threads : rt.topology().threads_per_rank;
  omp_set_num_threads(threads);
  int most_threads = 1;  // of the methods asked (sequential runs one)
  for (const auto& name : to_run) most_threads = std::max(most_threads, method_threads(name, threads));
  rt.warn_if_threads_exceed_cores(most_threads);

  if (!settings_allowed(rt, app, def.check_settings)) return 2;
  std::optional<In> loaded;
  try {
    loaded.emplace(def.load(rt, opt));
  } catch (const InputError& e) {
    report_error(rt, app, e.message);
    return 2;
  }
  const In& in = *loaded;

  std::string records = opt.records;
  if (records.empty() && std::getenv("HMP_RECORDS")) records = std::getenv("HMP_RECORDS");

  std::optional<Out> want;
  if (opt.check && rt.is_root()) {
    want.emplace(def.make_output(in, opt));
    def.reference(in, opt, *want);
  }

  std::vector<SummaryRow> rows;
  std::optional<Out> last;
  std::string first_failure, record_error;
  for (const auto& name : to_run) {
    const auto& fn = std::find_if(def.methods.begin(), def.methods.end(), [&](auto& m) { return m.first == name; })->second;
    Out out = rt.is_root() ? def.make_output(in, opt) : Out{};
    MethodContext<In, Out> ctx{rt, opt, in, out, threads, Timing{}, false};
    fn(ctx);
    if (!ctx.timed) throw std::logic_error("method " + name + " never called MethodContext::time");
    if (!rt.is_root()) continue;
    if (const char* spoil = std::getenv("HMP_TEST_PERTURB_METHOD"); spoil && def.perturb && name == spoil)
      def.perturb(out);
    std::string check = "skipped";
    if (want) {
      const auto diff = def.compare(in, out, *want);
      check = diff ? "failed" : "passed";
      if (diff && first_failure.empty()) first_failure = "--check: method " + name + " differs from the reference: " + *diff;
    }
    const int used = method_threads(name, threads);
    rows.push_back({name, used, ctx.timing.median(), ctx.timing.min(), check});
    if (!records.empty() && record_error.empty()) {
      RecordInput ri{app, name, opt.items, opt.size, used, &ctx.timing, check, def.timed_region};
      auto rec = make_record(rt, ri);
      rec["warmup"] = opt.warmup;
      rec["repeat"] = opt.repeat;
      rec["seed"] = opt.seed;
      rec["input"] = opt.input.empty() ? nlohmann::json(nullptr) : nlohmann::json(opt.input);
      if (def.annotate) def.annotate(rec, in, opt);
      try {
        append_record(records, rec);
      } catch (const std::exception& e) {
        record_error = e.what();
      }
    }
    last.emplace(std::move(out));
  }

  if (rt.is_root()) {
    if (!opt.output.empty() && last) {
      try {
        def.write_output(opt.output, in, *last);
      } catch (const std::exception& e) {
        record_error = record_error.empty() ? std::string(e.what()) : record_error;
      }
    }
    std::string what = def.describe(in, opt);
    print_summary(app, what, layout_string(rt, threads), rows, def.timed_region);
    if (!first_failure.empty()) status = 1;
    if (!record_error.empty()) {
      std::fprintf(stderr, "hmp-%s: %s\n", app.c_str(), record_error.c_str());
      status = 2;
    }
    if (!first_failure.empty()) std::fprintf(stderr, "hmp-%s: %s\n", app.c_str(), first_failure.c_str());
  }
  int final_status = status;
  MPI_Bcast(&final_status, 1, MPI_INT, 0, rt.world().native());
  return final_status;
}

/// An app's whole main: the Runtime (bad OMP_NUM_THREADS, SLURM_CPUS_PER_TASK
/// or HMP_SIMULATE_NODES: exit 2, one line), then run_app.
template <class In, class Out>
int app_main(int argc, char** argv, AppDefinition<In, Out>& def) {
  std::optional<Runtime> rt;
  if (!start_runtime(rt, def.spec.app, argc, argv)) return 2;
  return run_app(*rt, argc, argv, def);
}

}  // namespace hmp::apps
