#include <hmp/detail/environment_setting.hpp>

#include <string>

namespace hmp::detail {

UsageError bad_environment_setting(std::string_view name, std::string_view value, std::string_view allowed) {
  std::string text(name);
  text.append("='").append(value).append("' is not allowed: ").append(allowed);
  return UsageError(text);
}

}  // namespace hmp::detail
