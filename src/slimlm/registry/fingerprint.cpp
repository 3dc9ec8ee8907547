#include "slimlm/registry/fingerprint.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "slimlm/core/cpu_features.h"

namespace slimlm::registry {
namespace {

// "MemTotal:       131823720 kB" -> bytes; 0 if unreadable.
int64_t mem_total_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") return kib * 1024;
  }
  return 0;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// NVIDIA's driver lists each GPU under /proc/driver/nvidia/gpus/<bus>/information
// ("Model: NVIDIA H100 80GB HBM3"): no library load, no device wake-up.
nlohmann::json nvidia_gpus() {
  nlohmann::json gpus = nlohmann::json::array();
  std::error_code ec;
  const std::filesystem::path root = "/proc/driver/nvidia/gpus";
  if (!std::filesystem::is_directory(root, ec)) return gpus;
  for (const auto& dir : std::filesystem::directory_iterator(root, ec)) {
    std::ifstream in(dir.path() / "information");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Model:", 0) == 0) {
        gpus.push_back(trim(line.substr(6)));
        break;
      }
    }
  }
  return gpus;
}

}  // namespace

std::string hardware_fingerprint_json() {
  nlohmann::json j;
  j["cpu"] = trim(cpu_features().brand);
  j["logical_cores"] = static_cast<int64_t>(sysconf(_SC_NPROCESSORS_ONLN));
  j["isa"] = std::string(to_string(best_isa()));
  j["memory_bytes"] = mem_total_bytes();
  utsname u{};
  if (uname(&u) == 0) {
    j["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  } else {
    j["os"] = "unknown";
  }
  j["gpus"] = nvidia_gpus();
  return j.dump();
}

}  // namespace slimlm::registry
