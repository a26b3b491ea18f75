// hmp::SharedMemory: a named POSIX shared-memory segment (shm_open + mmap),
// Python's multiprocessing.shared_memory.SharedMemory, for the ranks of one
// node (segments live in the host's /dev/shm; other nodes cannot see them).
#pragma once

#include <hmp/communicator.hpp>
#include <hmp/errors.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace hmp {

/// Move-only handle on a mapping of a segment. Destruction (or close())
/// unmaps it; only unlink() removes the name, as in Python, so the creator
/// (or a SharedMemoryManager) must unlink.
///
/// Names: 1..200 characters from [A-Za-z0-9._-], not "." and without "..";
/// checked before anything reaches the file system (UsageError). Segments
/// are made with O_EXCL and mode 0600: only their owner can read or change
/// them, and attach refuses a segment owned by another user.
class SharedMemory {
 public:
  static constexpr std::size_t max_name_length = 200;

  /// Creates the segment (zero-filled) and maps it. AlreadyExists if the
  /// name is taken; UsageError for a bad name, size 0, or a size beyond
  /// what the node can hold (the free space of /dev/shm).
  static SharedMemory create(const std::string& name, std::size_t size);
  /// Same with a fresh unique name ("hmp_<pid>_<random>"), see name().
  static SharedMemory create(std::size_t size);
  /// Maps an existing segment, whole; NotFound when there is none.
  static SharedMemory attach(const std::string& name);
  /// Collective over `node` (ranks of one host): node rank 0 creates, then
  /// the others attach. Any failure is thrown on every rank.
  static SharedMemory create_on_node(const Communicator& node, const std::string& name, std::size_t size);

  SharedMemory() = default;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  SharedMemory(SharedMemory&& other) noexcept { swap(other); }
  SharedMemory& operator=(SharedMemory&& other) noexcept {
    SharedMemory tmp(std::move(other));
    swap(tmp);
    return *this;
  }
  ~SharedMemory() { close(); }

  const std::string& name() const noexcept { return name_; }
  std::size_t size() const noexcept { return size_; }
  bool is_open() const noexcept { return data_ != nullptr; }
  /// The mapped bytes (page-aligned); empty once closed.
  std::span<std::byte> buf() const noexcept { return {static_cast<std::byte*>(data_), size_}; }
  /// The bytes as `size() / sizeof(T)` objects of T.
  template <class T>
  std::span<T> as_span() const noexcept {
    return {static_cast<T*>(data_), size_ / sizeof(T)};
  }

  /// Unmaps; the segment stays for others until unlinked. Idempotent.
  void close() noexcept;
  /// Removes the name (mappings stay valid until closed); NotFound if it is
  /// already gone.
  void unlink();

  /// Throws UsageError saying what is allowed when `name` is not.
  static void validate_name(const std::string& name);
  /// Bytes free for new segments on this node (/dev/shm's statvfs).
  static std::size_t available_bytes();

 private:
  void swap(SharedMemory& o) noexcept {
    name_.swap(o.name_);
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
  }
  std::string name_;
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace hmp
