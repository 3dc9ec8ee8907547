#pragma once
// CPU energy from Intel/AMD RAPL through the Linux powercap interface:
// /sys/class/powercap/intel-rapl:<N>/energy_uj is a package's cumulative
// energy in µJ, wrapping to 0 after max_energy_range_uj; intel-rapl:<N>:<M>
// subzones named "dram" count memory, which the package total leaves out.
// Core/uncore subzones are part of the package and are skipped, as are
// "psys" zones (the whole platform, overlapping the packages). Since 2020
// (CVE-2020-8694) energy_uj is root-only on most distributions: then no zone
// is readable and callers fall back to an estimate (cpu_time.h).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace slimlm::eval {

inline constexpr const char* kPowercapRoot = "/sys/class/powercap";

struct RaplZone {
  std::filesystem::path dir;  // .../intel-rapl:0 or .../intel-rapl:0:2
  std::string name;           // "package-0", "dram"
  bool dram = false;
  uint64_t max_range_uj = 0;  // the counter wraps to 0 past this value
};

// µJ the counter advanced from `before` to `after`, counting one wrap-around
// when after < before (RAPL counters are unsigned and only go up). A run
// longer than one wrap period needs intermediate readings (EnergyMeter polls).
uint64_t rapl_counter_delta(uint64_t before, uint64_t after, uint64_t max_range_uj);

class Rapl {
 public:
  // The package and dram zones under `root` whose energy_uj can be read now;
  // none when the folder is missing or unreadable.
  static Rapl discover(const std::filesystem::path& root = kPowercapRoot);

  bool available() const { return !zones_.empty(); }
  const std::vector<RaplZone>& zones() const { return zones_; }

  // One counter value (µJ) per zone, in zones() order. Throws IoError naming
  // the file when a zone that was readable at discovery no longer is.
  std::vector<uint64_t> read() const;

 private:
  std::vector<RaplZone> zones_;
};

// Joules between two readings of the same zones, split into packages and
// DRAM, each counter unwrapped with its own range.
struct RaplJoules {
  double package = 0.0;
  double dram = 0.0;
  double total() const { return package + dram; }
};
RaplJoules rapl_joules_between(const std::vector<RaplZone>& zones, const std::vector<uint64_t>& before,
                               const std::vector<uint64_t>& after);

}  // namespace slimlm::eval
