#include "slimlm/registry/process_owner.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

namespace slimlm::registry::detail {
namespace {

struct ProcStat {
  char state = '?';
  int64_t start_ticks = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid ... starttime(22) ..."; comm may
// hold spaces and parentheses, so fields are counted after the last ')'.
std::optional<ProcStat> read_proc_stat(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  ProcStat st;
  std::string field;
  for (int index = 3; fields >> field; ++index) {
    if (index == 3) st.state = field.empty() ? '?' : field[0];
    if (index == 22) {
      st.start_ticks = std::stoll(field);
      return st;
    }
  }
  return std::nullopt;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

}  // namespace

ProcessOwner this_process() {
  // Not cached whole: a fork()ed child must not claim its parent's pid.
  static const std::string host = host_name();
  ProcessOwner o;
  o.pid = static_cast<int64_t>(getpid());
  o.host = host;
  if (auto st = read_proc_stat(o.pid)) o.start_ticks = st->start_ticks;
  return o;
}

bool owner_alive(const ProcessOwner& o) {
  if (o.host != this_process().host) return true;  // cannot tell: never reap
  if (o.pid <= 0) return false;
  if (kill(static_cast<pid_t>(o.pid), 0) != 0 && errno == ESRCH) return false;
  const auto st = read_proc_stat(o.pid);
  if (!st) return true;  // no /proc: trust kill()
  if (st->state == 'Z' || st->state == 'X') return false;
  return o.start_ticks == 0 || st->start_ticks == o.start_ticks;
}

}  // namespace slimlm::registry::detail
