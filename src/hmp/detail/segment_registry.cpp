#include <hmp/detail/segment_owner.hpp>
#include <hmp/detail/segment_registry.hpp>

#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace hmp::detail {

namespace {

// Fixed storage so a signal handler can read it without allocating. Names
// are validated to at most 200 characters before they get here.
constexpr int kSlots = 1024;
constexpr std::size_t kNameLen = 256;
char g_names[kSlots][kNameLen];
std::atomic<bool> g_used[kSlots];
std::mutex g_mutex;  // writers only

}  // namespace

void register_segment(const std::string& posix_name) {
  if (posix_name.size() >= kNameLen) return;
  std::lock_guard lock(g_mutex);
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i].load(std::memory_order_acquire)) continue;
    std::memcpy(g_names[i], posix_name.c_str(), posix_name.size() + 1);
    g_used[i].store(true, std::memory_order_release);
    return;
  }
  // Table full: the segment is still unlinked by its owner's normal paths.
}

void forget_segment(const std::string& posix_name) {
  std::lock_guard lock(g_mutex);
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].load(std::memory_order_acquire) && posix_name == g_names[i]) {
      g_used[i].store(false, std::memory_order_release);
      return;
    }
}

int unlink_segment(const std::string& posix_name) noexcept {
  const int rc = shm_unlink(posix_name.c_str());
  const int err = rc == 0 ? 0 : errno;
  remove_owner_record(posix_name.c_str());
  forget_segment(posix_name);
  return err;
}

std::vector<std::string> registered_segments() {
  std::lock_guard lock(g_mutex);
  std::vector<std::string> out;
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].load(std::memory_order_acquire)) out.emplace_back(g_names[i]);
  return out;
}

void unlink_registered_segments() noexcept {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].exchange(false, std::memory_order_acq_rel)) {
      shm_unlink(g_names[i]);
      remove_owner_record(g_names[i]);
    }
}

}  // namespace hmp::detail
