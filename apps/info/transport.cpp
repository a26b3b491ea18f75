#include "transport.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace hmp_info {

namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

// BTLs that reach only ranks of the same host (or the rank itself).
bool same_host_only(const std::string& btl) { return btl == "self" || btl == "vader" || btl == "sm" || btl == "smcuda"; }

}  // namespace

Components loaded_components() {
  static const std::regex library(R"(/mca_(pml|mtl|btl|osc)_([A-Za-z0-9]+)\.so)");
  std::set<std::pair<std::string, std::string>> found;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    std::smatch m;
    if (std::regex_search(line, m, library)) found.insert({m[1].str(), m[2].str()});
  }
  Components c;
  for (const auto& [framework, name] : found) {
    if (framework == "pml") c.pml = name;
    if (framework == "mtl") c.mtl = name;
    if (framework == "btl") c.btls.push_back(name);
    if (framework == "osc") c.oscs.push_back(name);
  }
  return c;
}

std::string encode(const Components& c) {
  return "pml=" + c.pml + "|mtl=" + c.mtl + "|btl=" + join(c.btls, ",") + "|osc=" + join(c.oscs, ",");
}

Components decode_components(const std::string& token) {
  Components c;
  for (const auto& field : split(token, '|')) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "pml") c.pml = value;
    if (key == "mtl") c.mtl = value;
    if (key == "btl") c.btls = split(value, ',');
    if (key == "osc") c.oscs = split(value, ',');
  }
  return c;
}

std::string describe_transport(const Components& c, int hosts, const std::string& osc_setting) {
  const std::string one_sided = "one-sided: osc setting '" + osc_setting + "'" +
                                (c.oscs.empty() ? "" : " (loaded: " + join(c.oscs, ", ") + ")");
  if (!c.any()) return "not known (Open MPI's components are built into its library); " + one_sided;
  if (c.pml != "ob1") {
    const std::string layer = "pml " + c.pml + (c.mtl.empty() ? "" : ", mtl " + c.mtl);
    return (hosts > 1 ? "within and between hosts: " : "within the host: ") + layer + "; " + one_sided;
  }
  std::vector<std::string> local, remote;
  for (const auto& b : c.btls) (same_host_only(b) ? local : remote).push_back(b);
  std::string out = "within a host: pml ob1, btl " + (local.empty() ? std::string("none") : join(local, ","));
  if (hosts > 1)
    out += "; between hosts: pml ob1, btl " + (remote.empty() ? std::string("none") : join(remote, ","));
  else if (!remote.empty())
    out += " (" + join(remote, ",") + " loaded for other hosts)";
  return out + "; " + one_sided;
}

}  // namespace hmp_info
