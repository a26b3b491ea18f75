// Which Open MPI components carry this job's messages: read from the
// component libraries the process has loaded (Open MPI unloads the ones it
// did not select), told as one line for hmp-info.
#pragma once

#include <string>
#include <vector>

namespace hmp_info {

struct Components {
  std::string pml, mtl;                   // the point-to-point layer (ob1, ucx, cm + mtl)
  std::vector<std::string> btls, oscs;    // byte transports (ob1) and one-sided components
  bool any() const { return !pml.empty() || !btls.empty(); }
};

/// The pml, mtl, btl and osc components mapped into this process.
Components loaded_components();

/// One token (no spaces) for gather_strings, and back.
std::string encode(const Components& c);
Components decode_components(const std::string& token);

/// "within a host: ...; between hosts: ...; one-sided: ..." for `hosts`
/// hosts, from one rank's components and Open MPI's osc setting.
std::string describe_transport(const Components& c, int hosts, const std::string& osc_setting);

}  // namespace hmp_info
