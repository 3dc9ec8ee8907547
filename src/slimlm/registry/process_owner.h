#pragma once
// Who owns a 'running' row: a process on a host. A row whose owner is gone
// was interrupted (killed, crashed, power loss) and is reaped by the registry.
// The process start time guards against a reused pid.
#include <cstdint>
#include <string>

namespace slimlm::registry::detail {

struct ProcessOwner {
  int64_t pid = 0;
  std::string host;
  int64_t start_ticks = 0;  // /proc/<pid>/stat starttime; 0 if unknown
};

// This process (read afresh: a fork()ed child is a different owner).
ProcessOwner this_process();

// False when `o` ran on this host and its process no longer exists, is a
// zombie, or the pid now belongs to a later process. True otherwise,
// including for other hosts (we cannot tell, so never reap them).
bool owner_alive(const ProcessOwner& o);

}  // namespace slimlm::registry::detail
