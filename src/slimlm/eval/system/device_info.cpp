#include "slimlm/eval/system/device_info.h"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <fstream>
#include <set>
#include <sstream>

#include "slimlm/core/cpu_features.h"
#include "slimlm/core/threads.h"
#include "slimlm/eval/energy/rapl.h"
#include "slimlm/eval/system/memory.h"

namespace slimlm::eval {
namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

CpuTopology parse_cpuinfo(std::string_view text) {
  CpuTopology t;
  std::set<std::string> sockets;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id, core_id;
  bool has_ids = false;
  auto end_block = [&] {
    if (!physical_id.empty() && !core_id.empty()) {
      cores.insert({physical_id, core_id});
      sockets.insert(physical_id);
    }
    physical_id.clear();
    core_id.clear();
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (trim(line).empty()) end_block();
      if (eol == text.size()) break;
      continue;
    }
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "processor") {
      ++t.logical_cpus;
    } else if (key == "model name" && t.model_name.empty()) {
      t.model_name = std::string(value);
    } else if (key == "physical id") {
      physical_id = std::string(value);
      has_ids = true;
    } else if (key == "core id") {
      core_id = std::string(value);
    }
    if (eol == text.size()) break;
  }
  end_block();
  if (has_ids && !cores.empty()) {
    t.sockets = static_cast<int>(sockets.size());
    t.physical_cores = static_cast<int>(cores.size());
  } else {
    t.sockets = t.logical_cpus > 0 ? 1 : 0;
    t.physical_cores = t.logical_cpus;
  }
  return t;
}

DeviceInfo collect_device_info(const std::string& nvml_library) {
  DeviceInfo d;
  utsname u{};
  if (uname(&u) == 0) d.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  d.topology = parse_cpuinfo(read_all("/proc/cpuinfo"));
  const CpuFeatures& f = cpu_features();
  d.cpu_model = !f.brand.empty() ? f.brand : d.topology.model_name;
  d.threads_used = num_threads();
  d.isa_features = {{"avx2", f.avx2},         {"fma", f.fma},           {"f16c", f.f16c},
                    {"avx512f", f.avx512f},   {"avx512bw", f.avx512bw}, {"avx512vl", f.avx512vl},
                    {"avx512dq", f.avx512dq}, {"avx512bf16", f.avx512bf16},
                    {"avx512vnni", f.avx512vnni}};
  d.kernel_isa = std::string(to_string(best_isa()));
  const std::string meminfo = read_all("/proc/meminfo");
  d.memory_total = parse_status_kb(meminfo, "MemTotal").value_or(0);
  d.memory_available = parse_status_kb(meminfo, "MemAvailable").value_or(0);
  d.blas = kernels::blas_info();
  const Rapl rapl = Rapl::discover();
  d.rapl_readable = rapl.available();
  for (const auto& z : rapl.zones()) d.rapl_zones.push_back(z.name);
  if (auto nvml = Nvml::open(nvml_library)) {
    d.nvml_loaded = true;
    d.nvml_status = "driver " + nvml->driver_version();
    const int n = nvml->device_count();
    for (int i = 0; i < n; ++i) d.gpus.push_back(nvml->device(i));
  } else {
    d.nvml_status = Nvml::last_error();
  }
  return d;
}

std::string hardware_fingerprint(const DeviceInfo& d) {
  std::string gpus;
  for (const auto& g : d.gpus) gpus += (gpus.empty() ? "" : ", ") + g.name;
  return fmt::format("{} | {} threads | {} | {:.1f} GiB | {} {} | GPUs: {}", d.cpu_model, d.threads_used,
                     d.kernel_isa, static_cast<double>(d.memory_total) / (1024.0 * 1024 * 1024), d.blas.library,
                     d.blas.corename, gpus.empty() ? "none" : gpus);
}

}  // namespace slimlm::eval
