#pragma once
// What machine a result was measured on: CPU model and topology, the ISA
// features the kernels dispatch on, memory, GPUs (NVML when present), the
// BLAS in use and whether RAPL energy counters are readable. `slimlm
// device-info` prints it; reports and the registry keep the fingerprint.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slimlm/eval/energy/nvml.h"
#include "slimlm/kernels/cpu/blas_info.h"

namespace slimlm::eval {

struct CpuTopology {
  int sockets = 0;
  int physical_cores = 0;  // distinct (physical id, core id) pairs
  int logical_cpus = 0;    // "processor" entries
  std::string model_name;  // first "model name"
};

// Pure: /proc/cpuinfo text -> topology. A VM that hides physical/core ids
// counts each logical CPU as a core on one socket.
CpuTopology parse_cpuinfo(std::string_view text);

struct DeviceInfo {
  std::string os;  // uname: sysname release machine
  std::string cpu_model;
  CpuTopology topology;
  int threads_used = 0;  // slimlm's pool (all hardware threads or -t/SLIMLM_THREADS)
  std::vector<std::pair<std::string, bool>> isa_features;  // in cpu_features.h order
  std::string kernel_isa;  // best_isa(): the path the dispatched kernels take
  uint64_t memory_total = 0;
  uint64_t memory_available = 0;
  kernels::BlasInfo blas;
  bool rapl_readable = false;
  std::vector<std::string> rapl_zones;
  bool nvml_loaded = false;
  std::string nvml_status;  // driver version, or why NVML is absent
  std::vector<GpuInfo> gpus;
};

DeviceInfo collect_device_info(const std::string& nvml_library = kNvmlLibrary);

// One line that identifies the hardware a measurement depends on (CPU model,
// threads, kernel ISA, RAM, BLAS core, GPUs), for registry rows.
std::string hardware_fingerprint(const DeviceInfo& d);

}  // namespace slimlm::eval
