// Gather one string per rank to root (collective). Used where text, not
// values, crosses ranks: reports, test results, layouts.
#pragma once

#include <hmp/communicator.hpp>

#include <string>
#include <vector>

namespace hmp::detail {

/// Root gets every rank's string in rank order; other ranks get an empty vector.
std::vector<std::string> gather_strings(const Communicator& comm, const std::string& mine, int root = 0);

}  // namespace hmp::detail
