// hmp::SharedMemoryManager: makes SharedMemory segments and unlinks every
// one of them when it goes out of scope (Python's
// multiprocessing.managers.SharedMemoryManager, without a server process).
#pragma once

#include <hmp/shared_memory.hpp>

#include <string>
#include <vector>

namespace hmp {

/// Per rank: it unlinks what this rank's manager created (normal exit or an
/// exception unwinding the stack). Mappings handed out stay valid until
/// their SharedMemory is closed; only the names go.
class SharedMemoryManager {
 public:
  SharedMemoryManager() = default;
  SharedMemoryManager(const SharedMemoryManager&) = delete;
  SharedMemoryManager& operator=(const SharedMemoryManager&) = delete;
  ~SharedMemoryManager() { shutdown(); }

  /// Python's SharedMemory(size): a new segment with a unique name.
  SharedMemory create(std::size_t size);
  SharedMemory create(const std::string& name, std::size_t size);

  /// Names created and not yet unlinked.
  const std::vector<std::string>& names() const noexcept { return names_; }
  /// Unlinks every segment made (those already gone are skipped).
  void shutdown() noexcept;

 private:
  std::vector<std::string> names_;
};

}  // namespace hmp
