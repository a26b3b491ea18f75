// Chapter "The Process class": the tutorial's show_numbers, started one by
// one or together, and a process's life (is_alive, terminate, close).
//   howto_process_show_numbers one-by-one | together | lifecycle
#include <hmp/process.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

// Runs on the rank that got the process; prints there (mpirun forwards it).
void show_numbers(const std::string& who, int n) {
  for (int i = 0; i < n; ++i) {
    std::printf("%s (rank %d): %d\n", who.c_str(), hmp::Runtime::current().rank(), i);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void lifecycle(hmp::Runtime& rt) {
  // A target that takes a StopToken first can be asked to stop.
  hmp::Process p(rt, [](const hmp::StopToken& stop) {
    while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  const bool alive_before = p.is_alive();
  p.start();
  const bool alive_running = p.is_alive();  // root: running, or waiting for root to run it
  p.terminate();                            // cooperative: the target sees stop_requested()
  p.join();
  const bool alive_after = p.is_alive();
  const int code = p.exitcode().value_or(-1);
  p.close();  // releases it; any later call on p throws hmp::UsageError

  hmp::Process q(rt, [] { throw std::runtime_error("no such file"); });
  q.start();
  q.join();  // the exception stays in q: it does not propagate
  if (rt.is_root()) {
    std::printf("%s before start: is_alive() = %d\n", p.name.c_str(), alive_before);
    std::printf("%s after start: is_alive() = %d\n", p.name.c_str(), alive_running);
    std::printf("%s after terminate and join: is_alive() = %d, exitcode = %d\n", p.name.c_str(), alive_after, code);
    std::printf("%s: exitcode = %d, error = \"%s\"\n", q.name.c_str(), q.exitcode().value_or(-1), q.error().c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  hmp::Runtime rt(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "one-by-one";
  if (mode == "lifecycle") {
    lifecycle(rt);
    return 0;
  }
  if (mode != "one-by-one" && mode != "together") {
    if (rt.is_root()) std::fprintf(stderr, "mode: expected one-by-one, together or lifecycle, got '%s'\n", mode.c_str());
    return 2;
  }
  // Every rank builds the same Process objects; each target runs on one rank.
  hmp::Process a(rt, show_numbers, std::string("Process-1"), 5);
  hmp::Process b(rt, show_numbers, std::string("Process-2"), 5);
  if (mode == "one-by-one") {
    a.start();
    a.join();  // Process-1 has printed everything before Process-2 starts
    b.start();
    b.join();
  } else {
    a.start();
    b.start();  // both run at once, on different ranks: their lines interleave
    a.join();
    b.join();
  }
}
