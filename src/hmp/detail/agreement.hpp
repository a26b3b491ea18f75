// Collective agreement on text: one rank's string to all, and "did any rank
// fail? then every rank throws the same error" (control flow must stay the
// same on every rank, so a failure on one rank is raised on all).
#pragma once

#include <hmp/communicator.hpp>

#include <optional>
#include <string>

namespace hmp::detail {

/// Collective: `text` of rank `root` on every rank.
void broadcast_string(const Communicator& comm, std::string& text, int root);

struct RankFailure {
  int rank = -1;
  std::string message;
};

/// Collective: each rank gives its error ("" when it succeeded); returns
/// the lowest failing rank and its message on every rank, or nullopt.
std::optional<RankFailure> first_failure(const Communicator& comm, const std::string& error);

}  // namespace hmp::detail
