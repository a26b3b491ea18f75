// Owner records of named segments. Beside each segment "name" it creates,
// hmp writes /dev/shm/hmp-owner.name: the creating process (pid, its start
// time, its pid namespace), the segment's inode and the job's id. A segment
// whose creator ended without unlinking it (kill -9, the OOM killer, a node
// cut off) is then found and removed by the next hmp start on the node, or
// by `hmp-info --clean`, instead of holding memory until the node reboots.
#pragma once

#include <string>
#include <vector>

namespace hmp::detail {

/// Records' names start with this; segment names may not (UsageError).
inline constexpr const char* kOwnerRecordPrefix = "hmp-owner.";

/// Writes the record of segment `name` (without '/'), just created by this
/// process with inode `inode`. Best effort: a segment without a record is
/// still unlinked by its creator's exit paths.
void write_owner_record(const std::string& name, unsigned long inode) noexcept;
/// Removes the record of `posix_name` ("/name"). Async-signal-safe.
void remove_owner_record(const char* posix_name) noexcept;

/// A segment removed because its creator has ended.
struct OrphanSegment {
  std::string name;  // without '/'
  std::string job;   // the creator's job ("slurm:42", "ompi:123", "pid:9")
  long pid = 0;      // the creator
};

/// Removes this user's segments (and records) on this node whose creator
/// has ended, or was process `ended_pid` (known to have ended, though it may
/// still be exiting); records of live processes, of other users and of
/// other pid namespaces are left alone. Returns what it removed.
std::vector<OrphanSegment> remove_orphan_segments(long ended_pid = 0);

}  // namespace hmp::detail
