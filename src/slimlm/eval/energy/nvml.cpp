#include "slimlm/eval/energy/nvml.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <mutex>

#include "slimlm/core/error.h"

namespace slimlm::eval {
namespace {

// The few NVML types slimlm touches, as nvml.h declares them (stable ABI).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;

std::mutex g_error_mutex;
std::string g_last_error;

void set_last_error(std::string e) {
  std::lock_guard lock(g_error_mutex);
  g_last_error = std::move(e);
}

struct DlCloser {
  void operator()(void* h) const {
    if (h) dlclose(h);
  }
};

}  // namespace

struct Nvml::Api {
  std::unique_ptr<void, DlCloser> handle;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;
  nvmlReturn_t (*count)(unsigned*) = nullptr;
  nvmlReturn_t (*handle_by_index)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;   // optional
  nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long*) = nullptr;  // optional
  bool initialised = false;

  std::string err(nvmlReturn_t r) const {
    const char* s = error_string ? error_string(r) : nullptr;
    return s ? std::string(s) : fmt::format("NVML error {}", r);
  }
  nvmlDevice_t device(int index) const {
    nvmlDevice_t d = nullptr;
    const nvmlReturn_t r = handle_by_index(static_cast<unsigned>(index), &d);
    if (r != kNvmlSuccess) throw DeviceError(fmt::format("NVML GPU {}: {}", index, err(r)));
    return d;
  }
};

namespace {

template <class Fn>
bool resolve(void* h, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(h, name));
  return fn != nullptr;
}

}  // namespace

std::unique_ptr<Nvml> Nvml::open(const std::string& library) {
  std::unique_ptr<void, DlCloser> h(dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!h) {
    const char* e = dlerror();
    set_last_error(e ? std::string(e) : library + ": cannot be loaded");
    return nullptr;
  }
  auto api = std::make_unique<Api>();
  const char* missing = nullptr;
  if (!resolve(h.get(), "nvmlInit_v2", api->init)) missing = "nvmlInit_v2";
  else if (!resolve(h.get(), "nvmlShutdown", api->shutdown)) missing = "nvmlShutdown";
  else if (!resolve(h.get(), "nvmlErrorString", api->error_string)) missing = "nvmlErrorString";
  else if (!resolve(h.get(), "nvmlSystemGetDriverVersion", api->driver_version)) missing = "nvmlSystemGetDriverVersion";
  else if (!resolve(h.get(), "nvmlDeviceGetCount_v2", api->count)) missing = "nvmlDeviceGetCount_v2";
  else if (!resolve(h.get(), "nvmlDeviceGetHandleByIndex_v2", api->handle_by_index)) missing = "nvmlDeviceGetHandleByIndex_v2";
  else if (!resolve(h.get(), "nvmlDeviceGetName", api->name)) missing = "nvmlDeviceGetName";
  else if (!resolve(h.get(), "nvmlDeviceGetUUID", api->uuid)) missing = "nvmlDeviceGetUUID";
  else if (!resolve(h.get(), "nvmlDeviceGetMemoryInfo", api->memory)) missing = "nvmlDeviceGetMemoryInfo";
  if (missing) {
    set_last_error(fmt::format("{}: symbol {} missing", library, missing));
    return nullptr;
  }
  resolve(h.get(), "nvmlDeviceGetEnforcedPowerLimit", api->power_limit);
  resolve(h.get(), "nvmlDeviceGetTotalEnergyConsumption", api->energy);
  api->handle = std::move(h);
  const nvmlReturn_t r = api->init();
  if (r != kNvmlSuccess) {
    set_last_error(fmt::format("{}: nvmlInit failed: {}", library, api->err(r)));
    return nullptr;
  }
  api->initialised = true;
  set_last_error("");
  std::unique_ptr<Nvml> n(new Nvml());
  n->api_ = std::move(api);
  return n;
}

std::string Nvml::last_error() {
  std::lock_guard lock(g_error_mutex);
  return g_last_error;
}

Nvml::~Nvml() {
  if (api_ && api_->initialised) api_->shutdown();
}

std::string Nvml::driver_version() const {
  char buf[96] = {};
  if (api_->driver_version(buf, sizeof(buf)) != kNvmlSuccess) return "";
  return buf;
}

int Nvml::device_count() const {
  unsigned n = 0;
  const nvmlReturn_t r = api_->count(&n);
  if (r != kNvmlSuccess) throw DeviceError(fmt::format("NVML device count: {}", api_->err(r)));
  return static_cast<int>(n);
}

GpuInfo Nvml::device(int index) const {
  const nvmlDevice_t d = api_->device(index);
  GpuInfo g;
  g.index = index;
  char buf[96] = {};
  if (api_->name(d, buf, sizeof(buf)) == kNvmlSuccess) g.name = buf;
  char ubuf[96] = {};
  if (api_->uuid(d, ubuf, sizeof(ubuf)) == kNvmlSuccess) g.uuid = ubuf;
  nvmlMemory_t mem{};
  const nvmlReturn_t r = api_->memory(d, &mem);
  if (r != kNvmlSuccess) throw DeviceError(fmt::format("NVML GPU {} memory info: {}", index, api_->err(r)));
  g.memory_total = mem.total;
  g.memory_used = mem.used;
  unsigned mw = 0;
  if (api_->power_limit && api_->power_limit(d, &mw) == kNvmlSuccess) g.power_limit_w = mw / 1000.0;
  g.has_energy_counter = energy_mj(index).has_value();
  return g;
}

std::optional<uint64_t> Nvml::energy_mj(int index) const {
  if (!api_->energy) return std::nullopt;
  unsigned long long mj = 0;
  if (api_->energy(api_->device(index), &mj) != kNvmlSuccess) return std::nullopt;
  return static_cast<uint64_t>(mj);
}

}  // namespace slimlm::eval
