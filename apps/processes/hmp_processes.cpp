// hmp-processes: the tutorial's show_numbers, run by two hmp::Process
// targets (each on a rank of its own when there are ranks to spare):
// "one-by-one" starts and joins the first before starting the second;
// "together" starts both, then joins both. Each process shows --items
// numbers (prints them with --show yes); the numbers each showed come back to
// root, where --check wants 0..items-1 in order from each, exit code 0, and
// for one-by-one the second started after the first ended. --output writes
// them as a (2, items) int64 array.
#include <common/broadcast.hpp>
#include <common/driver.hpp>
#include <common/memory_check.hpp>

#include <hmp/process.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace hmp::apps;

constexpr int kProcesses = 2;  // the tutorial's two

struct Setup {
  std::size_t numbers = 10;  ///< shown by each process
  bool print = true;
};

/// What one process did, as root learns it after join.
struct Shown {
  int rank = -1, exitcode = -1;
  double started = 0, ended = 0;  ///< seconds since the epoch, on the rank that ran it
  std::vector<std::int64_t> numbers;
};

struct Outcome {
  std::vector<Shown> processes;
  std::string violation;  ///< an ordering the method promises and did not keep; empty when kept
};

using Context = MethodContext<Setup, Outcome>;

// The tutorial's target: show the numbers 0..n-1, one line each.
void show_numbers(const std::string& name, std::size_t n, bool print, std::vector<std::int64_t>& shown) {
  for (std::size_t i = 0; i < n; ++i) {
    if (print) {
      std::printf("%s: %zu\n", name.c_str(), i);
      std::fflush(stdout);
    }
    shown.push_back(static_cast<std::int64_t>(i));
  }
}

void run(Context& ctx, bool together) {
  const auto& setup = ctx.in;
  ctx.time([&](Busy& busy) {
    std::vector<std::int64_t> shown[kProcesses];  // filled on the rank that runs each target
    auto target = [&](int k) {
      busy.measure([&] {
        show_numbers("Process-" + std::to_string(k + 1), setup.numbers, setup.print, shown[k]);
      });
    };
    hmp::Process p1(ctx.rt, target, 0), p2(ctx.rt, target, 1);
    p1.name = "Process-1";
    p2.name = "Process-2";
    if (together) {
      p1.start();
      p2.start();
      p1.join();
      p2.join();
    } else {
      p1.start();
      p1.join();
      p2.start();
      p2.join();
    }
    // The numbers each process showed travel from its rank to root.
    const hmp::Process* ps[kProcesses] = {&p1, &p2};
    Outcome out;
    for (int k = 0; k < kProcesses; ++k) {
      broadcast_vector(ctx.rt.world(), shown[k], ps[k]->rank());
      if (!ctx.rt.is_root()) continue;
      const auto& o = ps[k]->outcome();
      out.processes.push_back({ps[k]->rank(), ps[k]->exitcode().value_or(-1), o.started, o.ended, shown[k]});
    }
    if (ctx.rt.is_root()) ctx.out = std::move(out);
  });
  if (!ctx.rt.is_root() || together) return;
  const auto& p = ctx.out.processes;
  if (p.size() == 2 && p[1].started < p[0].ended)
    ctx.out.violation = "one-by-one: Process-2 started " + std::to_string(p[0].ended - p[1].started) +
                        " s before Process-1 ended";
}

Setup load(hmp::Runtime& rt, Options& opt) {
  if (!opt.input.empty()) throw InputError{"--input: hmp-processes takes no input file (it shows --items numbers)"};
  checked_elements({opt.items, kProcesses}, "--items");
  opt.size = 1;  // each item is one number
  // Each process's numbers, then every process's on every rank; root keeps
  // them in the outcome (and --check's reference).
  const double numbers = 8.0 * static_cast<double>(opt.items);
  check_memory(rt, opt, {numbers * (kProcesses + 1), numbers * kProcesses * (opt.check ? 2 : 1), 0});
  return {opt.items, opt.choices.at("--show") == "yes"};
}

}  // namespace

int main(int argc, char** argv) {
  AppDefinition<Setup, Outcome> app;
  app.spec.app = "processes";
  app.spec.description = "hmp-processes: the tutorial's show_numbers in two hmp::Process targets";
  app.spec.default_items = 10;
  app.spec.items_help = "numbers each process shows";
  app.spec.size_help = "not used (records say 1)";
  app.spec.choices = {{"--show", "print the numbers (yes) or only collect them (no)", {"yes", "no"}, "yes"}};
  app.methods = {
      {"one-by-one", [](Context& ctx) { run(ctx, false); }},
      {"together", [](Context& ctx) { run(ctx, true); }},
  };
  app.timed_region =
      "from making the two Processes to root holding the numbers each showed (start, show_numbers, join, and the "
      "numbers sent to root)";
  app.load = load;
  app.make_output = [](const Setup&, const Options&) { return Outcome{}; };
  app.reference = [](const Setup& s, const Options&, Outcome& want) {
    for (int k = 0; k < kProcesses; ++k) {
      Shown p;
      p.exitcode = 0;
      for (std::size_t i = 0; i < s.numbers; ++i) p.numbers.push_back(static_cast<std::int64_t>(i));
      want.processes.push_back(p);
    }
  };
  app.compare = [](const Setup&, const Outcome& got, const Outcome& want) -> std::optional<std::string> {
    if (!got.violation.empty()) return got.violation;
    if (got.processes.size() != want.processes.size())
      return "got " + std::to_string(got.processes.size()) + " processes, expected " +
             std::to_string(want.processes.size());
    for (std::size_t k = 0; k < want.processes.size(); ++k) {
      const auto& g = got.processes[k];
      const auto& w = want.processes[k];
      const std::string who = "item " + std::to_string(k) + " (Process-" + std::to_string(k + 1) + ")";
      if (g.exitcode != 0) return who + ": exit code " + std::to_string(g.exitcode) + ", expected 0";
      for (std::size_t i = 0; i < std::max(g.numbers.size(), w.numbers.size()); ++i) {
        if (i >= g.numbers.size()) return who + ": showed " + std::to_string(g.numbers.size()) + " numbers, expected " +
                                           std::to_string(w.numbers.size());
        if (i >= w.numbers.size() || g.numbers[i] != w.numbers[i])
          return who + ": number " + std::to_string(i) + " is " + std::to_string(g.numbers[i]) + ", expected " +
                 (i < w.numbers.size() ? std::to_string(w.numbers[i]) : std::string("none"));
      }
    }
    return std::nullopt;
  };
  app.write_output = [](const std::string& path, const Setup& s, const Outcome& out) {
    std::vector<std::int64_t> all(kProcesses * s.numbers, -1);
    for (std::size_t k = 0; k < out.processes.size() && k < kProcesses; ++k)
      for (std::size_t i = 0; i < out.processes[k].numbers.size() && i < s.numbers; ++i)
        all[k * s.numbers + i] = out.processes[k].numbers[i];
    write_npy(path, {static_cast<std::size_t>(kProcesses), s.numbers}, all);
  };
  app.describe = [](const Setup& s, const Options&) {
    return std::to_string(kProcesses) + " processes showing " + std::to_string(s.numbers) + " numbers each";
  };
  app.annotate = [](nlohmann::json& rec, const Setup&, const Options&) { rec["processes"] = kProcesses; };
  app.perturb = [](Outcome& o) {
    if (!o.processes.empty() && !o.processes.back().numbers.empty()) o.processes.back().numbers.back() += 1;
  };
  return app_main(argc, argv, app);
}
