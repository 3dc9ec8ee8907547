#include "slimlm/eval/energy/energy_meter.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"

namespace slimlm::eval {

std::string_view to_string(EnergySource s) {
  switch (s) {
    case EnergySource::kNone: return "none";
    case EnergySource::kRapl: return "rapl";
    case EnergySource::kEstimated: return "estimated";
    case EnergySource::kNvml: return "nvml";
  }
  return "none";
}

struct EnergyMeter::State {
  std::mutex mutex;
  std::condition_variable wake;
  std::thread poller;
  bool running = false;
  bool stopping = false;
  std::chrono::steady_clock::time_point t0;
  CpuTimes cpu0;
  std::vector<uint64_t> rapl_last;
  RaplJoules rapl_sum;
  std::vector<uint64_t> gpu_last;  // mJ
  double gpu_sum_j = 0.0;
};

EnergyMeter::EnergyMeter(EnergyOptions opts) : opts_(std::move(opts)), state_(std::make_unique<State>()) {
  if (!opts_.force_estimate) rapl_ = Rapl::discover(opts_.powercap_root);
  if (!opts_.gpus.empty()) {
    nvml_ = Nvml::open(opts_.nvml_library);
    if (!nvml_) throw DeviceError(fmt::format("GPU energy: {}", Nvml::last_error()));
    const int n = nvml_->device_count();
    for (int g : opts_.gpus) {
      if (g < 0 || g >= n) throw DeviceError(fmt::format("GPU energy: no GPU {} (NVML sees {})", g, n));
      if (!nvml_->energy_mj(g)) {
        throw DeviceError(fmt::format("GPU energy: GPU {} has no NVML energy counter (needs Volta or newer)", g));
      }
    }
  }
}

EnergyMeter::~EnergyMeter() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (state_->poller.joinable()) state_->poller.join();
}

void EnergyMeter::sample() {
  std::lock_guard lock(state_->mutex);
  if (!state_->running) return;
  if (rapl_.available()) {
    const auto now = rapl_.read();
    const RaplJoules d = rapl_joules_between(rapl_.zones(), state_->rapl_last, now);
    state_->rapl_sum.package += d.package;
    state_->rapl_sum.dram += d.dram;
    state_->rapl_last = now;
  }
  if (nvml_) {
    for (size_t i = 0; i < opts_.gpus.size(); ++i) {
      const auto mj = nvml_->energy_mj(opts_.gpus[i]);
      if (!mj) continue;
      if (*mj >= state_->gpu_last[i]) state_->gpu_sum_j += static_cast<double>(*mj - state_->gpu_last[i]) * 1e-3;
      state_->gpu_last[i] = *mj;
    }
  }
}

void EnergyMeter::start() {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->running) throw Error("EnergyMeter::start: already started");
    state_->running = true;
    state_->stopping = false;
    state_->t0 = std::chrono::steady_clock::now();
    state_->cpu0 = process_cpu_times();
    state_->rapl_sum = {};
    state_->gpu_sum_j = 0.0;
    if (rapl_.available()) state_->rapl_last = rapl_.read();
    state_->gpu_last.assign(opts_.gpus.size(), 0);
    for (size_t i = 0; i < opts_.gpus.size(); ++i) state_->gpu_last[i] = nvml_->energy_mj(opts_.gpus[i]).value_or(0);
  }
  const bool counters = rapl_.available() || nvml_;
  if (counters && opts_.poll_seconds > 0) {
    state_->poller = std::thread([this] {
      std::unique_lock lock(state_->mutex);
      const auto period = std::chrono::duration<double>(opts_.poll_seconds);
      while (!state_->stopping) {
        if (state_->wake.wait_for(lock, period, [this] { return state_->stopping; })) break;
        lock.unlock();
        try {
          sample();
        } catch (const Error& e) {
          log::warn("energy: {}", e.what());
        }
        lock.lock();
      }
    });
  }
}

EnergyReport EnergyMeter::stop() {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->running) throw Error("EnergyMeter::stop: not started");
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (state_->poller.joinable()) state_->poller.join();
  sample();

  std::lock_guard lock(state_->mutex);
  state_->running = false;
  EnergyReport r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->t0).count();
  r.cpu_seconds = process_cpu_times().total() - state_->cpu0.total();
  if (rapl_.available()) {
    r.cpu_source = EnergySource::kRapl;
    r.cpu_joules = state_->rapl_sum.total();
    r.dram_joules = state_->rapl_sum.dram;
    std::string zones;
    for (const auto& z : rapl_.zones()) zones += (zones.empty() ? "" : ", ") + z.name;
    r.cpu_method = fmt::format("RAPL ({})", zones);
  } else {
    r.cpu_source = EnergySource::kEstimated;
    r.cpu_joules = estimate_cpu_joules(r.cpu_seconds, opts_.watts_per_core);
    r.cpu_method = cpu_estimate_assumption(r.cpu_seconds, opts_.watts_per_core);
  }
  if (nvml_) {
    r.gpu_source = EnergySource::kNvml;
    r.gpu_joules = state_->gpu_sum_j;
    r.gpus = opts_.gpus;
    r.gpu_method = "NVML total energy counter";
  }
  return r;
}

}  // namespace slimlm::eval
