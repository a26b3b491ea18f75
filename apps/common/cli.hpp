// The apps' one command-line convention (CLI11 underneath): the same options
// for every app, values checked here, and every mistake reported as ONE line
// naming the option and what is allowed, with exit status 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hmp::apps {

/// An app-specific option taking one of a few words (e.g. --algorithm).
struct ChoiceOption {
  std::string name;                  ///< "--algorithm"
  std::string help;
  std::vector<std::string> allowed;  ///< "direct", "fft", "auto"
  std::string default_value;
};

/// What an app tells the parser about itself.
struct AppSpec {
  std::string app;                   ///< "fft2": the executable is hmp-fft2
  std::string description;           ///< one line for --help
  std::vector<std::string> methods;  ///< every --method name, in the order `all` runs them
  std::size_t default_items = 1;
  std::size_t default_size = 1;
  std::string items_help = "number of work items";
  std::string size_help = "size of each item (rows = columns)";
  std::vector<ChoiceOption> choices;
};

struct Options {
  std::size_t items = 1, size = 1;
  bool items_given = false, size_given = false;  ///< said on the command line (vs default)
  std::string method;                 ///< as given ("all" or a name)
  std::vector<std::string> methods;   ///< to run, in order
  int threads = 0;                    ///< 0: from the runtime's topology
  int repeat = 5, warmup = 1;
  std::uint64_t seed = 1;
  bool check = false;
  std::string records, input, output; ///< empty when not given
  std::map<std::string, std::string> choices;  ///< "--algorithm" -> "fft"
};

/// Thrown for bad input (options, files): the message is the one line to
/// print after "hmp-<app>: "; the app exits 2.
struct InputError {
  std::string message;
};

/// Parses argv. Returns the options, or the exit status when the run must
/// stop here: 0 after --help, 2 after a bad option (`print`: only root prints,
/// help to stdout, errors as one line to stderr).
std::optional<Options> parse_cli(const AppSpec& spec, int argc, char** argv, bool print, int& exit_status);

/// "a, b, c".
std::string join(const std::vector<std::string>& words, const std::string& sep = ", ");

}  // namespace hmp::apps

namespace hmp::apps {

/// a * b * c ... as a count of elements, or InputError naming `what` when it
/// overflows or exceeds 2^36 elements (what no run here can hold).
std::size_t checked_elements(std::initializer_list<std::size_t> factors, const std::string& what);

/// For apps whose items are single numbers: an InputError when --size was
/// given as anything but 1 (it would be silently ignored); sets size to 1.
void size_is_one(Options& opt, const std::string& app);

}  // namespace hmp::apps
