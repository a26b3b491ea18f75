// Messages a rank waits for with a receive it posted before they arrive
// (the outcome of a pool call, a node peer's results at its node leader):
// such a rank waits inside MPI (MPI_Wait) instead of polling MPI_Iprobe,
// which under SimGrid's SMPI costs simulator events for every poll of every
// waiting rank. A posted receive needs a size: a message of up to
// kPostedBytes goes as it is, a longer one as an 8-byte length followed by
// the message (every encoded pool message is longer than 8 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mpi.h>
#include <span>
#include <vector>

namespace hmp::detail {

inline constexpr std::size_t kPostedBytes = 4096;

/// Sends `bytes` to `dest` (non-blocking) for its PostedReceive; the
/// requests go to `requests`, a length word (when one is needed) to
/// `buffers`. `bytes` must stay until the requests complete.
void send_posted(MPI_Comm comm, int dest, int tag, std::span<const std::byte> bytes,
                 std::vector<std::vector<std::byte>>& buffers, std::vector<MPI_Request>& requests);

/// A receive posted for one message sent by send_posted (from `source`,
/// or from any rank: MPI_ANY_SOURCE).
class PostedReceive {
 public:
  PostedReceive() = default;
  PostedReceive(MPI_Comm comm, int source, int tag);
  ~PostedReceive();
  PostedReceive(PostedReceive&& other) noexcept;
  PostedReceive& operator=(PostedReceive&& other) noexcept;
  PostedReceive(const PostedReceive&) = delete;
  PostedReceive& operator=(const PostedReceive&) = delete;

  bool posted() const noexcept { return comm_ != MPI_COMM_NULL; }
  /// Its request, for MPI_Test/Wait*: null once it completed.
  MPI_Request& request() noexcept { return request_; }
  /// After the request (or a copy of it, waited elsewhere) completed with
  /// `status`: the whole message (the rest of a long one is received here),
  /// valid while this object lives.
  std::span<const std::byte> take(const MPI_Status& status);
  /// After take (the message no longer needed): posts the receive again,
  /// into the same memory, for the next message.
  void repost();

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int source_ = 0, tag_ = 0;
  MPI_Request request_ = MPI_REQUEST_NULL;
  std::vector<std::byte> buffer_;
};

/// Messages sent by send_posted to several ranks, each kept with its memory
/// until its sends complete.
class Outbox {
 public:
  Outbox() = default;
  ~Outbox();  ///< waits for the sends still in flight (unless MPI is over)
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  /// Sends `bytes` to each of `dests` with `tag`.
  void send(MPI_Comm comm, std::span<const int> dests, int tag, std::vector<std::byte> bytes);
  /// Frees the messages whose sends completed.
  void reap();

 private:
  struct Letter {
    std::vector<std::vector<std::byte>> buffers;  ///< the message first, then length words
    std::vector<MPI_Request> requests;
  };
  std::vector<Letter> letters_;
};

}  // namespace hmp::detail
