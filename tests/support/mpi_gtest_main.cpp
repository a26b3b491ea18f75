// GoogleTest main for MPI: every rank runs every test; a test fails when it
// fails on any rank; only rank 0 prints, naming the ranks that failed and
// their messages. The exit code is non-zero on every rank if any test failed
// anywhere, so mpirun (and CTest) see the failure.
#include <gtest/gtest.h>
#include <hmp/detail/gather_strings.hpp>
#include <hmp/runtime.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

class MpiPrinter : public testing::EmptyTestEventListener {
 public:
  explicit MpiPrinter(const hmp::Runtime& rt) : rt_(rt) {}

  void OnTestProgramStart(const testing::UnitTest& unit) override {
    if (rt_.is_root())
      std::printf("[==========] %d tests on %d ranks (%d node%s%s)\n", unit.test_to_run_count(),
                  rt_.size(), rt_.topology().nodes, rt_.topology().nodes == 1 ? "" : "s",
                  rt_.topology().simulated ? ", simulated" : "");
  }

  void OnTestStart(const testing::TestInfo& info) override {
    messages_.clear();
    if (rt_.is_root()) {
      std::printf("[ RUN      ] %s.%s\n", info.test_suite_name(), info.name());
      std::fflush(stdout);
    }
  }

  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    messages_ += std::string(result.file_name() ? result.file_name() : "?") + ":" +
                 std::to_string(result.line_number()) + ": " + result.summary() + "\n";
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const bool failed = info.result()->Failed();
    const auto all = hmp::detail::gather_strings(rt_.world(), (failed ? "F" : "P") + messages_);
    if (!rt_.is_root()) return;
    std::string ranks, details;
    for (std::size_t r = 0; r < all.size(); ++r) {
      if (all[r].empty() || all[r][0] != 'F') continue;
      ranks += (ranks.empty() ? "" : ",") + std::to_string(r);
      details += "  [rank " + std::to_string(r) + "] " + all[r].substr(1);
    }
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    if (ranks.empty()) {
      std::printf("[%s] %s (%lld ms)\n", info.result()->Skipped() ? "  SKIPPED " : "       OK ",
                  name.c_str(), static_cast<long long>(info.result()->elapsed_time()));
    } else {
      std::printf("%s[  FAILED  ] %s on rank(s) %s\n", details.c_str(), name.c_str(), ranks.c_str());
      failed_.push_back(name + " (ranks " + ranks + ")");
    }
    std::fflush(stdout);
  }

  void OnTestProgramEnd(const testing::UnitTest& unit) override {
    if (!rt_.is_root()) return;
    std::printf("[==========] %d tests ran on %d ranks.\n", unit.test_to_run_count(), rt_.size());
    std::printf("[  PASSED  ] %d tests.\n", unit.test_to_run_count() - static_cast<int>(failed_.size()));
    if (!failed_.empty()) {
      std::printf("[  FAILED  ] %zu tests, listed below:\n", failed_.size());
      for (const auto& f : failed_) std::printf("[  FAILED  ] %s\n", f.c_str());
    }
    std::fflush(stdout);
  }

  int failed_count() const { return static_cast<int>(failed_.size()); }

 private:
  const hmp::Runtime& rt_;
  std::string messages_;
  std::vector<std::string> failed_;
};

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer());
  auto* printer = new MpiPrinter(rt);
  listeners.Append(printer);
  const int local = RUN_ALL_TESTS();
  int failed = rt.is_root() ? printer->failed_count() : 0;
  failed += local != 0 ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, rt.world().native());
  return any ? 1 : 0;
}
