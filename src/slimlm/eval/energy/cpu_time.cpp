#include "slimlm/eval/energy/cpu_time.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include "slimlm/core/error.h"

namespace slimlm::eval {

CpuTimes process_cpu_times() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) throw Error("getrusage(RUSAGE_SELF) failed");
  CpuTimes t;
  t.user_s = static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) * 1e-6;
  t.system_s = static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) * 1e-6;
  return t;
}

double estimate_cpu_joules(double cpu_seconds, double watts_per_core) {
  if (watts_per_core < 0) throw ConfigError(fmt::format("--watts-per-core must be >= 0 (got {})", watts_per_core));
  return cpu_seconds > 0 ? cpu_seconds * watts_per_core : 0.0;
}

std::string cpu_estimate_assumption(double cpu_seconds, double watts_per_core) {
  return fmt::format("{:g} W per busy core x {:.2f} s CPU time{}; idle cores, DRAM and PUE not counted",
                     watts_per_core, cpu_seconds,
                     watts_per_core == kDefaultWattsPerCore ? " (Green Algorithms default TDP per core)" : "");
}

}  // namespace slimlm::eval
