#include <common/cli.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>

namespace hmp::apps {

std::string join(const std::vector<std::string>& words, const std::string& sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

namespace {

// A whole decimal integer in [lo, hi], else InputError naming the option.
std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi)
    throw InputError{option + " '" + text + "': expected a whole number from " + std::to_string(lo) + " to " +
                     std::to_string(hi)};
  return v;
}

// CLI11 messages can span lines; ours never do.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::optional<Options> parse_cli(const AppSpec& spec, int argc, char** argv, bool print, int& exit_status) {
  const std::string prog = "hmp-" + spec.app;
  auto fail = [&](const std::string& message) -> std::optional<Options> {
    if (print) {
      std::fprintf(stderr, "%s: %s\n", prog.c_str(), message.c_str());
      std::fflush(stderr);
    }
    exit_status = 2;
    return std::nullopt;
  };
  std::vector<std::string> all_methods = spec.methods;
  all_methods.push_back("all");

  CLI::App app{spec.description, prog};
  app.set_help_flag("--help,-h", "print this help and exit");
  bool list_methods = false;
  app.add_flag("--list-methods", list_methods, "print this app's methods, one a line, in the order `all` runs them, and exit");
  app.allow_extras(false);
  std::string items, size, method = "all", threads, repeat = "5", warmup = "1", seed = "1";
  Options o;
  app.add_option("--items", items, spec.items_help + " (default " + std::to_string(spec.default_items) + ")")
      ->type_name("N");
  app.add_option("--size", size, spec.size_help + " (default " + std::to_string(spec.default_size) + ")")
      ->type_name("N");
  app.add_option("--method", method, "one of: " + join(all_methods) + " (default all)")->type_name("M");
  app.add_option("--threads", threads, "OpenMP threads per rank (default: OMP_NUM_THREADS / the runtime's)")
      ->type_name("T");
  app.add_option("--repeat", repeat, "timed repeats (default 5)")->type_name("R");
  app.add_option("--warmup", warmup, "untimed runs before them (default 1)")->type_name("W");
  app.add_option("--seed", seed, "seed of the generated inputs (default 1)")->type_name("S");
  app.add_flag("--check", o.check, "compare every method's results with the reference; exit 1 on a mismatch");
  app.add_option("--records", o.records, "append one JSON line per method to FILE (default $HMP_RECORDS)")
      ->type_name("FILE");
  app.add_option("--input", o.input, "read the inputs from a NumPy .npy file")->type_name("FILE.npy");
  app.add_option("--output", o.output, "write the results (root) to a NumPy .npy file")->type_name("FILE.npy");
  std::vector<std::string> choice_values(spec.choices.size());
  for (std::size_t i = 0; i < spec.choices.size(); ++i) {
    const auto& c = spec.choices[i];
    choice_values[i] = c.default_value;
    app.add_option(c.name, choice_values[i], c.help + ": " + join(c.allowed, "|") + " (default " + c.default_value + ")")
        ->type_name("WORD");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    if (print) std::fputs(app.help().c_str(), stdout);
    exit_status = 0;
    return std::nullopt;
  } catch (const CLI::ExtrasError& e) {
    std::vector<std::string> names{"--items", "--size", "--method", "--threads", "--repeat", "--warmup",
                                   "--seed",  "--check", "--records", "--input", "--output"};
    for (const auto& c : spec.choices) names.push_back(c.name);
    names.push_back("--list-methods");
    names.push_back("--help");
    const auto extras = app.remaining();
    const std::string what = extras.empty() ? one_line(e.what()) : "unknown option or argument '" + join(extras, "' '") + "'";
    return fail(what + ": allowed options: " + join(names, " ") + " (see --help)");
  } catch (const CLI::ParseError& e) {
    return fail(one_line(e.what()) + " (see --help)");
  }
  if (list_methods) {
    // The method table is the one list of an app's methods: tools ask for it.
    if (print)
      for (const auto& m : spec.methods) std::printf("%s\n", m.c_str());
    std::fflush(stdout);
    exit_status = 0;
    return std::nullopt;
  }

  try {
    constexpr std::uint64_t big = std::uint64_t(1) << 40;
    o.items_given = app.count("--items") > 0;
    o.size_given = app.count("--size") > 0;
    o.items = o.items_given ? parse_count("--items", items, 1, big) : spec.default_items;
    o.size = o.size_given ? parse_count("--size", size, 1, 1 << 20) : spec.default_size;
    o.threads = threads.empty() ? 0 : static_cast<int>(parse_count("--threads", threads, 1, 4096));
    o.repeat = static_cast<int>(parse_count("--repeat", repeat, 1, 1000000));
    o.warmup = static_cast<int>(parse_count("--warmup", warmup, 0, 1000000));
    o.seed = parse_count("--seed", seed, 0, std::numeric_limits<std::uint64_t>::max());
    o.method = method;
    if (method == "all")
      o.methods = spec.methods;
    else if (std::find(spec.methods.begin(), spec.methods.end(), method) != spec.methods.end())
      o.methods = {method};
    else
      throw InputError{"--method '" + method + "': allowed: " + join(all_methods)};
    for (std::size_t i = 0; i < spec.choices.size(); ++i) {
      const auto& c = spec.choices[i];
      if (std::find(c.allowed.begin(), c.allowed.end(), choice_values[i]) == c.allowed.end())
        throw InputError{c.name + " '" + choice_values[i] + "': allowed: " + join(c.allowed)};
      o.choices[c.name] = choice_values[i];
    }
    const std::pair<const char*, const std::string*> files[] = {
        {"--records", &o.records}, {"--input", &o.input}, {"--output", &o.output}};
    for (const auto& [name, value] : files)
      if (app.count(name) && value->empty()) throw InputError{std::string(name) + ": expected a file name, got ''"};
  } catch (const InputError& e) {
    return fail(e.message);
  }
  exit_status = 0;
  return o;
}

}  // namespace hmp::apps

namespace hmp::apps {

std::size_t checked_elements(std::initializer_list<std::size_t> factors, const std::string& what) {
  constexpr std::size_t limit = std::size_t(1) << 36;
  std::size_t n = 1;
  for (auto f : factors) {
    if (f != 0 && n > limit / f)
      throw InputError{what + ": more than 2^36 elements in all; allowed: at most 2^36"};
    n *= f;
  }
  return n;
}

void size_is_one(Options& opt, const std::string& app) {
  if (opt.size_given && opt.size != 1)
    throw InputError{"--size " + std::to_string(opt.size) + ": hmp-" + app +
                     "'s items are single numbers, so --size is 1 or left out; --items says how many"};
  opt.size = 1;
}

}  // namespace hmp::apps
