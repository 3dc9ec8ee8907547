#pragma once
// NVIDIA GPUs through NVML, loaded at run time with dlopen so that slimlm
// neither links nor needs the driver: on a machine without libnvidia-ml the
// loader simply reports no library. Only the calls slimlm uses are resolved:
// names, memory, power limit and the cumulative energy counter
// (nvmlDeviceGetTotalEnergyConsumption, Volta and newer, mJ since the driver
// loaded).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slimlm::eval {

inline constexpr const char* kNvmlLibrary = "libnvidia-ml.so.1";

struct GpuInfo {
  int index = 0;
  std::string name;
  std::string uuid;
  uint64_t memory_total = 0;  // bytes
  uint64_t memory_used = 0;
  double power_limit_w = 0.0;  // enforced limit; 0 when unknown
  bool has_energy_counter = false;
};

class Nvml {
 public:
  // Loads `library` and initialises NVML; nullptr when the library is absent,
  // lacks a needed symbol or nvmlInit fails (no driver, no device). The
  // reason is kept for `slimlm device-info` (last_error()).
  static std::unique_ptr<Nvml> open(const std::string& library = kNvmlLibrary);
  // Why the last open() returned nullptr ("" after a success).
  static std::string last_error();

  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;
  ~Nvml();  // nvmlShutdown, dlclose

  std::string driver_version() const;
  int device_count() const;
  // Throws DeviceError naming the index when NVML fails for that device.
  GpuInfo device(int index) const;
  // Millijoules since the driver loaded; nullopt when the GPU has no counter.
  std::optional<uint64_t> energy_mj(int index) const;

  struct Api;

 private:
  Nvml() = default;
  std::unique_ptr<Api> api_;
};

}  // namespace slimlm::eval
