#include <hmp/detail/segment_registry.hpp>
#include <hmp/shared_memory_manager.hpp>

namespace hmp {

SharedMemory SharedMemoryManager::create(std::size_t size) {
  SharedMemory s = SharedMemory::create(size);
  names_.push_back(s.name());
  return s;
}

SharedMemory SharedMemoryManager::create(const std::string& name, std::size_t size) {
  SharedMemory s = SharedMemory::create(name, size);
  names_.push_back(s.name());
  return s;
}

void SharedMemoryManager::shutdown() noexcept {
  for (const auto& n : names_) {  // names were validated at creation
    detail::unlink_segment("/" + n);
  }
  names_.clear();
}

}  // namespace hmp
