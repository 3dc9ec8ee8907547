#pragma once
// Energy of a stretch of work: CPU packages (+ DRAM) from RAPL when readable,
// otherwise an estimate from this process's CPU time (cpu_time.h), labelled
// as such; GPUs from NVML for the devices the run uses (none for CPU runs).
// A background thread reads the counters every few seconds, so a run longer
// than one RAPL wrap period (minutes at full load) is still counted right.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/energy/cpu_time.h"
#include "slimlm/eval/energy/nvml.h"
#include "slimlm/eval/energy/rapl.h"

namespace slimlm::eval {

enum class EnergySource : uint8_t { kNone = 0, kRapl = 1, kEstimated = 2, kNvml = 3 };
std::string_view to_string(EnergySource s);

struct EnergyOptions {
  std::filesystem::path powercap_root = kPowercapRoot;
  double watts_per_core = kDefaultWattsPerCore;
  bool force_estimate = false;      // ignore RAPL even when readable
  std::vector<int> gpus;            // NVML indices in use
  std::string nvml_library = kNvmlLibrary;
  double poll_seconds = 5.0;        // 0: read only at start and stop
};

struct EnergyReport {
  double seconds = 0.0;       // wall time
  double cpu_seconds = 0.0;   // process CPU time over the same span
  EnergySource cpu_source = EnergySource::kNone;
  double cpu_joules = 0.0;    // packages + DRAM (RAPL) or the estimate
  double dram_joules = 0.0;   // part of cpu_joules (RAPL only)
  std::string cpu_method;     // zones read, or the estimate's assumption
  EnergySource gpu_source = EnergySource::kNone;
  double gpu_joules = 0.0;
  std::vector<int> gpus;
  std::string gpu_method;

  double total_joules() const { return cpu_joules + gpu_joules; }
  bool estimated() const { return cpu_source == EnergySource::kEstimated; }
  double mean_watts() const { return seconds > 0 ? total_joules() / seconds : 0.0; }
};

class EnergyMeter {
 public:
  // Probes RAPL and, when gpus is not empty, NVML. Throws DeviceError when a
  // requested GPU cannot be read (it should not silently count as 0 J).
  explicit EnergyMeter(EnergyOptions opts = {});
  EnergyMeter(const EnergyMeter&) = delete;
  EnergyMeter& operator=(const EnergyMeter&) = delete;
  ~EnergyMeter();

  void start();
  // Ends the span begun by start(); may be called once per start().
  EnergyReport stop();
  // Reads every counter now and folds the change since the last reading into
  // the running totals (what the poll thread does; tests call it directly).
  void sample();

  bool rapl_available() const { return rapl_.available(); }
  const Rapl& rapl() const { return rapl_; }

 private:
  struct State;
  EnergyOptions opts_;
  Rapl rapl_;
  std::unique_ptr<Nvml> nvml_;
  std::unique_ptr<State> state_;
};

}  // namespace slimlm::eval
