// `slimlm device-info [--json]`: the machine results are measured on — CPU
// model and topology, the ISA features the kernels dispatch on and the path
// they take, memory, the BLAS in use, RAPL energy counters, and GPUs through
// NVML when the driver is present.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/eval/system/device_info.h"

namespace slimlm::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string gib(uint64_t b) { return fmt::format("{:.2f} GiB", static_cast<double>(b) / (1024.0 * 1024 * 1024)); }

std::string text(const eval::DeviceInfo& d) {
  std::string o;
  o += fmt::format("os:          {}\n", d.os);
  o += fmt::format("cpu:         {}\n", d.cpu_model);
  o += fmt::format("topology:    {} socket(s), {} cores, {} logical CPUs; slimlm uses {} threads\n",
                   d.topology.sockets, d.topology.physical_cores, d.topology.logical_cpus, d.threads_used);
  std::string have, lack;
  for (const auto& [name, on] : d.isa_features) {
    std::string& list = on ? have : lack;
    list += (list.empty() ? "" : " ") + name;
  }
  o += fmt::format("isa:         kernels use {}; has {}{}\n", d.kernel_isa, have.empty() ? "-" : have,
                   lack.empty() ? "" : "; lacks " + lack);
  o += fmt::format("memory:      {} total, {} available\n", gib(d.memory_total), gib(d.memory_available));
  o += fmt::format("blas:        {} {} ({}, {} threads)\n", d.blas.library, d.blas.corename, d.blas.threading,
                   d.blas.threads);
  o += fmt::format("blas config: {}\n", d.blas.config);
  o += fmt::format("rapl:        {}\n", d.rapl_readable ? fmt::format("readable ({})", fmt::join(d.rapl_zones, ", "))
                                                         : "not readable (energy is estimated from CPU time)");
  o += fmt::format("nvml:        {}\n", d.nvml_loaded ? d.nvml_status : "absent: " + d.nvml_status);
  for (const auto& g : d.gpus) {
    o += fmt::format("gpu {}:       {}, {} ({} used){}{}\n", g.index, g.name, gib(g.memory_total), gib(g.memory_used),
                     g.power_limit_w > 0 ? fmt::format(", power limit {:.0f} W", g.power_limit_w) : "",
                     g.has_energy_counter ? ", energy counter" : "");
  }
  o += fmt::format("fingerprint: {}\n", eval::hardware_fingerprint(d));
  return o;
}

Json json(const eval::DeviceInfo& d) {
  Json features = Json::object();
  for (const auto& [name, on] : d.isa_features) features[name] = on;
  Json gpus = Json::array();
  for (const auto& g : d.gpus) {
    gpus.push_back({{"index", g.index},
                    {"name", g.name},
                    {"uuid", g.uuid},
                    {"memory_total_bytes", g.memory_total},
                    {"memory_used_bytes", g.memory_used},
                    {"power_limit_w", g.power_limit_w},
                    {"energy_counter", g.has_energy_counter}});
  }
  return {{"os", d.os},
          {"cpu", d.cpu_model},
          {"sockets", d.topology.sockets},
          {"cores", d.topology.physical_cores},
          {"logical_cpus", d.topology.logical_cpus},
          {"threads_used", d.threads_used},
          {"kernel_isa", d.kernel_isa},
          {"isa_features", features},
          {"memory_total_bytes", d.memory_total},
          {"memory_available_bytes", d.memory_available},
          {"blas", {{"library", d.blas.library}, {"corename", d.blas.corename}, {"config", d.blas.config},
                    {"threading", d.blas.threading}, {"threads", d.blas.threads}}},
          {"rapl_readable", d.rapl_readable},
          {"rapl_zones", d.rapl_zones},
          {"nvml_loaded", d.nvml_loaded},
          {"nvml_status", d.nvml_status},
          {"gpus", gpus},
          {"fingerprint", eval::hardware_fingerprint(d)}};
}

}  // namespace

RunFn setup_device_info(CLI::App& app) {
  auto as_json = std::make_shared<bool>(false);
  app.add_flag("--json", *as_json, "Print one JSON object");
  return [as_json]() {
    const eval::DeviceInfo d = eval::collect_device_info();
    const std::string out = *as_json ? json(d).dump(2) + "\n" : text(d);
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  };
}

}  // namespace slimlm::cli
