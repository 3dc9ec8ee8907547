// Energy and CO2: RAPL against a fake powercap folder built here (zone
// discovery, counter wrap-around, polling), the CPU-time estimate, NVML
// through a fake libnvidia-ml (and the real one when this machine has it),
// and the carbon-intensity table.
#include <gtest/gtest.h>

#include <ctime>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "slimlm/core/error.h"
#include "slimlm/eval/energy/carbon_intensity.h"
#include "slimlm/eval/energy/cpu_time.h"
#include "slimlm/eval/energy/energy_meter.h"
#include "slimlm/eval/energy/nvml.h"
#include "slimlm/eval/energy/rapl.h"
#include "test_util.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

// A powercap tree like a two-socket server's: two packages with a core and a
// dram subzone each, plus zones that must be ignored.
struct FakePowercap {
  TempDir dir;
  void zone(const std::string& name, const std::string& zone_name, uint64_t energy, uint64_t range) {
    const fs::path z = dir / name;
    fs::create_directories(z);
    write_file(z / "name", zone_name + "\n");
    write_file(z / "energy_uj", std::to_string(energy) + "\n");
    write_file(z / "max_energy_range_uj", std::to_string(range) + "\n");
  }
  void set(const std::string& name, uint64_t energy) { write_file(dir / name / "energy_uj", std::to_string(energy) + "\n"); }
  FakePowercap() {
    zone("intel-rapl:0", "package-0", 1'000'000, 262'143'328'850);
    zone("intel-rapl:0:0", "core", 500'000, 262'143'328'850);
    zone("intel-rapl:0:1", "dram", 200'000, 65'712'999'613);
    zone("intel-rapl:1", "package-1", 262'143'000'000, 262'143'328'850);  // close to wrapping
    zone("intel-rapl:1:0", "dram", 10, 65'712'999'613);
    zone("intel-rapl:2", "psys", 7, 262'143'328'850);
    zone("intel-rapl-mmio:0", "package-0", 9, 262'143'328'850);
    fs::create_directories(dir / "intel-rapl:3");  // no files: unreadable
  }
};

TEST(Rapl, CounterDeltaUnwrapsOnce) {
  EXPECT_EQ(rapl_counter_delta(100, 250, 1000), 150u);
  EXPECT_EQ(rapl_counter_delta(900, 50, 1000), 150u);  // 100 to the top, then 50
  EXPECT_EQ(rapl_counter_delta(0, 0, 1000), 0u);
}

TEST(Rapl, DiscoversPackagesAndDramOnly) {
  FakePowercap pc;
  const Rapl r = Rapl::discover(pc.dir.path());
  ASSERT_TRUE(r.available());
  std::vector<std::string> names;
  for (const auto& z : r.zones()) names.push_back(z.name + (z.dram ? "*" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"package-0", "dram*", "package-1", "dram*"}));
  EXPECT_EQ(r.zones()[1].max_range_uj, 65'712'999'613u);
  EXPECT_EQ(r.read(), (std::vector<uint64_t>{1'000'000, 200'000, 262'143'000'000, 10}));
}

TEST(Rapl, MissingOrUnreadableFolderIsNotAvailable) {
  TempDir d;
  EXPECT_FALSE(Rapl::discover(d / "nope").available());
  EXPECT_FALSE(Rapl::discover(d.path()).available());
}

TEST(Rapl, JoulesBetweenReadingsWithWrapAround) {
  FakePowercap pc;
  const Rapl r = Rapl::discover(pc.dir.path());
  const auto before = r.read();
  pc.set("intel-rapl:0", 3'500'000);          // +2.5 J
  pc.set("intel-rapl:0:1", 700'000);          // +0.5 J dram
  pc.set("intel-rapl:1", 1'671'150);          // wrapped: 328'850 to the top + 1'671'150 = 2 J
  pc.set("intel-rapl:1:0", 1'000'010);        // +1 J dram
  const RaplJoules j = rapl_joules_between(r.zones(), before, r.read());
  EXPECT_DOUBLE_EQ(j.package, 4.5);
  EXPECT_DOUBLE_EQ(j.dram, 1.5);
  EXPECT_DOUBLE_EQ(j.total(), 6.0);
  EXPECT_THROW(rapl_joules_between(r.zones(), before, {1, 2}), Error);
}

TEST(EnergyMeter, SumsPolledRaplReadingsAcrossSeveralWraps) {
  FakePowercap pc;
  EnergyOptions o;
  o.powercap_root = pc.dir.path();
  o.poll_seconds = 0;  // the test samples by hand
  EnergyMeter m(o);
  ASSERT_TRUE(m.rapl_available());
  m.start();
  // Package 1 wraps twice; each wrap is seen because a sample falls between.
  pc.set("intel-rapl:1", 100'000'000);  // 328'850 + 100'000'000 µJ
  m.sample();
  pc.set("intel-rapl:1", 262'143'000'000);
  m.sample();
  pc.set("intel-rapl:1", 50'000'000);
  pc.set("intel-rapl:0", 11'000'000);  // +10 J
  const EnergyReport e = m.stop();
  EXPECT_EQ(e.cpu_source, EnergySource::kRapl);
  EXPECT_FALSE(e.estimated());
  // package-1, step by step: wrap, climb, wrap.
  const double p1 = (328'850 + 100'000'000) * 1e-6 + (262'143'000'000 - 100'000'000) * 1e-6 +
                    (328'850 + 50'000'000) * 1e-6;
  EXPECT_NEAR(e.cpu_joules, 10.0 + p1, 1e-6);
  EXPECT_DOUBLE_EQ(e.dram_joules, 0.0);
  EXPECT_NE(e.cpu_method.find("package-0, dram, package-1, dram"), std::string::npos) << e.cpu_method;
  EXPECT_THROW(m.stop(), Error);  // not started again
}

TEST(EnergyMeter, PollThreadReadsWhileRunning) {
  FakePowercap pc;
  EnergyOptions o;
  o.powercap_root = pc.dir.path();
  o.poll_seconds = 0.01;
  EnergyMeter m(o);
  m.start();
  pc.set("intel-rapl:1", 1'000'000'000);  // wraps
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a poll sees the wrap
  pc.set("intel-rapl:1", 2'000'000'000);
  const EnergyReport e = m.stop();
  EXPECT_NEAR(e.cpu_joules, (328'850 + 2'000'000'000) * 1e-6, 1e-6);
}

TEST(EnergyMeter, EstimatesFromCpuTimeWithoutRapl) {
  TempDir d;
  EnergyOptions o;
  o.powercap_root = d / "no-powercap";
  o.watts_per_core = 10.0;
  EnergyMeter m(o);
  EXPECT_FALSE(m.rapl_available());
  m.start();
  volatile double x = 0;
  // Spin on process CPU time, not wall time: on a loaded machine 150 ms of wall
  // time can be far less CPU time.
  const std::clock_t cpu_start = std::clock();
  while (std::clock() - cpu_start < CLOCKS_PER_SEC / 5) x = x + std::sqrt(x + 1.0);
  const EnergyReport e = m.stop();
  EXPECT_EQ(e.cpu_source, EnergySource::kEstimated);
  EXPECT_TRUE(e.estimated());
  EXPECT_GT(e.cpu_seconds, 0.05);
  EXPECT_DOUBLE_EQ(e.cpu_joules, e.cpu_seconds * 10.0);
  EXPECT_NE(e.cpu_method.find("10 W per busy core"), std::string::npos) << e.cpu_method;
  EXPECT_EQ(e.gpu_source, EnergySource::kNone);
  EXPECT_DOUBLE_EQ(e.total_joules(), e.cpu_joules);
}

TEST(EnergyMeter, ForceEstimateIgnoresRapl) {
  FakePowercap pc;
  EnergyOptions o;
  o.powercap_root = pc.dir.path();
  o.force_estimate = true;
  EnergyMeter m(o);
  EXPECT_FALSE(m.rapl_available());
}

TEST(CpuTime, EstimateAndAssumption) {
  EXPECT_DOUBLE_EQ(estimate_cpu_joules(2.5, 12.0), 30.0);
  EXPECT_DOUBLE_EQ(estimate_cpu_joules(-1.0, 12.0), 0.0);
  EXPECT_THROW(estimate_cpu_joules(1.0, -1.0), ConfigError);
  const std::string a = cpu_estimate_assumption(3.2, kDefaultWattsPerCore);
  EXPECT_NE(a.find("12 W per busy core x 3.20 s CPU time (Green Algorithms"), std::string::npos) << a;
  EXPECT_GT(process_cpu_times().total(), 0.0);
}

TEST(Nvml, FakeLibraryDevicesAndEnergy) {
  auto n = Nvml::open(FAKE_NVML);
  ASSERT_TRUE(n) << Nvml::last_error();
  EXPECT_EQ(Nvml::last_error(), "");
  EXPECT_EQ(n->driver_version(), "999.1-fake");
  ASSERT_EQ(n->device_count(), 2);
  const GpuInfo g = n->device(1);
  EXPECT_EQ(g.name, "Fake GPU B");
  EXPECT_EQ(g.uuid, "GPU-fake-1");
  EXPECT_EQ(g.memory_total, 2ull << 30);
  EXPECT_EQ(g.memory_used, 1u << 20);
  EXPECT_DOUBLE_EQ(g.power_limit_w, 700.0);
  EXPECT_TRUE(g.has_energy_counter);
  EXPECT_THROW(n->device(5), DeviceError);
}

TEST(Nvml, MissingLibraryIsNullWithAReason) {
  EXPECT_EQ(Nvml::open("/nonexistent/libnvidia-ml.so.1"), nullptr);
  EXPECT_NE(Nvml::last_error().find("/nonexistent/libnvidia-ml.so.1"), std::string::npos) << Nvml::last_error();
  // A library without NVML's symbols.
  EXPECT_EQ(Nvml::open("libm.so.6"), nullptr);
  EXPECT_NE(Nvml::last_error().find("nvmlInit_v2"), std::string::npos) << Nvml::last_error();
}

TEST(EnergyMeter, GpuEnergyOnlyForTheDevicesInUse) {
  TempDir d;
  EnergyOptions o;
  o.powercap_root = d / "none";
  o.nvml_library = FAKE_NVML;
  o.gpus = {1};
  o.poll_seconds = 0;
  EnergyMeter m(o);
  m.start();   // reads GPU 1 once
  m.sample();  // +2500 mJ
  m.sample();  // +2500 mJ
  const EnergyReport e = m.stop();  // +2500 mJ
  EXPECT_EQ(e.gpu_source, EnergySource::kNvml);
  EXPECT_DOUBLE_EQ(e.gpu_joules, 7.5);
  EXPECT_EQ(e.gpus, std::vector<int>{1});
  EXPECT_DOUBLE_EQ(e.total_joules(), e.cpu_joules + 7.5);

  o.gpus = {2};
  EXPECT_THROW(EnergyMeter{o}, DeviceError);  // no such GPU
  o.gpus = {0};
  o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  EXPECT_THROW(EnergyMeter{o}, DeviceError);  // asked for a GPU, none to read
}

TEST(Nvml, RealDriverWhenPresent) {
  auto n = Nvml::open();
  if (!n) GTEST_SKIP() << "no NVML here: " << Nvml::last_error();
  ASSERT_GT(n->device_count(), 0);
  const GpuInfo g = n->device(0);
  EXPECT_FALSE(g.name.empty());
  EXPECT_GT(g.memory_total, 0u);
  if (g.has_energy_counter) {
    const auto a = n->energy_mj(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto b = n->energy_mj(0);
    ASSERT_TRUE(a && b);
    EXPECT_GE(*b, *a);  // an idle GPU still draws tens of watts
  }
}

TEST(Carbon, TableLookupAndResolution) {
  const auto fr = find_country("fr");
  ASSERT_TRUE(fr);
  EXPECT_EQ(fr->iso3, "FRA");
  EXPECT_DOUBLE_EQ(fr->g_per_kwh, 67.4);
  EXPECT_EQ(find_country("FRA")->name, "France");
  EXPECT_EQ(find_country("uk")->iso2, "GB");
  EXPECT_FALSE(find_country("XX"));
  // Sorted by iso2, no duplicates, plausible values.
  const auto t = carbon_intensity_table();
  for (size_t i = 1; i < t.size(); ++i) EXPECT_LT(t[i - 1].iso2, t[i].iso2);
  for (const auto& c : t) {
    EXPECT_GT(c.g_per_kwh, 10.0) << c.iso2;
    EXPECT_LT(c.g_per_kwh, 1000.0) << c.iso2;
  }

  EXPECT_DOUBLE_EQ(resolve_carbon_intensity(123.0, "FR").g_per_kwh, 123.0);  // the flag wins
  const auto pl = resolve_carbon_intensity(std::nullopt, "POL");
  EXPECT_DOUBLE_EQ(pl.g_per_kwh, 660.1);
  EXPECT_EQ(pl.region, "PL");
  EXPECT_NE(pl.source.find("2021"), std::string::npos);
  const auto world = resolve_carbon_intensity(std::nullopt, "");
  EXPECT_DOUBLE_EQ(world.g_per_kwh, 481.0);
  EXPECT_EQ(world.region, "world");
  try {
    resolve_carbon_intensity(std::nullopt, "Atlantis");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--country"), std::string::npos);
  }
  EXPECT_THROW(resolve_carbon_intensity(-1.0, ""), ConfigError);
}

TEST(Carbon, EmissionsAndPerTokenFigures) {
  const CarbonIntensity ci{250.0, "user", "test"};
  const Emissions e = emissions(7.2e6, ci);  // 2 kWh
  EXPECT_DOUBLE_EQ(e.kwh, 2.0);
  EXPECT_DOUBLE_EQ(e.grams, 500.0);
  EXPECT_DOUBLE_EQ(joules_per_token(100.0, 400), 0.25);
  EXPECT_DOUBLE_EQ(grams_per_million_tokens(0.5, 250'000), 2.0);
  EXPECT_DOUBLE_EQ(joules_per_token(1.0, 0), 0.0);
}

}  // namespace
}  // namespace slimlm::eval
