// The error for an environment variable set to a value hmp cannot use:
// one wording for every setting, saying what is wrong and what is allowed.
#pragma once

#include <hmp/errors.hpp>

#include <string_view>

namespace hmp::detail {

/// "NAME='value' is not allowed: <allowed>", e.g. allowed = "give a
/// positive number of seconds".
UsageError bad_environment_setting(std::string_view name, std::string_view value, std::string_view allowed);

}  // namespace hmp::detail
