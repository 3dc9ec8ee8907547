#pragma once
// The CPU-time fallback for machines whose RAPL counters cannot be read:
// energy ≈ CPU seconds of this process (user + system, all threads, from
// getrusage) × an assumed power per busy core. The default, 12 W per core,
// is the "Any" CPU TDP-per-core of Green Algorithms (Lannelongue, Grealey and
// Inouye, "Green Algorithms: Quantifying the Carbon Footprint of
// Computation", Advanced Science 2021, doi:10.1002/advs.202100707). It
// assumes a busy core draws its share of TDP, and leaves out idle cores,
// DRAM, the rest of the machine and data-centre overhead (PUE); results made
// this way are labelled `estimated`.
#include <string>

namespace slimlm::eval {

inline constexpr double kDefaultWattsPerCore = 12.0;

struct CpuTimes {
  double user_s = 0.0;
  double system_s = 0.0;
  double total() const { return user_s + system_s; }
};

// This process, every thread, since it started.
CpuTimes process_cpu_times();

// Joules for `cpu_seconds` of busy-core time at `watts_per_core`.
double estimate_cpu_joules(double cpu_seconds, double watts_per_core);

// The assumption in words, for reports ("12 W per busy core × 3.20 s CPU time
// (Green Algorithms default TDP per core; idle cores, DRAM and PUE not
// counted)").
std::string cpu_estimate_assumption(double cpu_seconds, double watts_per_core);

}  // namespace slimlm::eval
