// Memory (VmHWM / VmRSS parsing, the real peak, its reset), the model
// footprint on the fixture, CPU topology from /proc/cpuinfo text, BLAS and
// the device description.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>

#include "slimlm/eval/system/device_info.h"
#include "slimlm/eval/system/footprint.h"
#include "slimlm/eval/system/memory.h"
#include "slimlm/kernels/cpu/blas_info.h"
#include "slimlm/model/model.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;

TEST(Memory, ParsesStatusLines) {
  const std::string status =
      "Name:\tslimlm\nVmPeak:\t  123456 kB\nVmHWM:\t    2132 kB\nVmRSS:\t 2048 kB\nThreads:\t3\nVmBad:\t12 MB\n";
  EXPECT_EQ(parse_status_kb(status, "VmHWM"), 2132u * 1024);
  EXPECT_EQ(parse_status_kb(status, "VmRSS"), 2048u * 1024);
  EXPECT_EQ(parse_status_kb(status, "VmPeak"), 123456u * 1024);
  EXPECT_FALSE(parse_status_kb(status, "VmSwap"));
  EXPECT_FALSE(parse_status_kb(status, "Threads"));  // no kB unit
  EXPECT_FALSE(parse_status_kb(status, "VmBad"));
  EXPECT_FALSE(parse_status_kb(status, "Vm"));       // a prefix of a key is not the key
}

TEST(Memory, PeakFollowsATouchedBufferAndResets) {
  const uint64_t before = peak_rss_bytes();
  ASSERT_GT(before, 0u);
  constexpr size_t kBytes = 96u << 20;
  {
    std::unique_ptr<char[]> buf(new char[kBytes]);
    std::memset(buf.get(), 1, kBytes);
    EXPECT_GE(current_rss_bytes(), kBytes);
    EXPECT_GE(peak_rss_bytes(), before + kBytes / 2);
  }
  if (!reset_peak_rss()) GTEST_SKIP() << "kernel refuses /proc/self/clear_refs";
  // The buffer went back to the system (a large allocation is its own mapping).
  EXPECT_LT(peak_rss_bytes(), before + kBytes / 2);
}

TEST(CpuInfo, CountsSocketsCoresAndThreads) {
  std::string text;
  for (int p = 0; p < 8; ++p) {
    const int socket = p / 4, core = (p % 4) / 2;  // 2 sockets x 2 cores x 2 threads
    text += "processor\t: " + std::to_string(p) + "\nmodel name\t: Test CPU @ 3.0GHz\nphysical id\t: " +
            std::to_string(socket) + "\ncore id\t\t: " + std::to_string(core) + "\n\n";
  }
  const CpuTopology t = parse_cpuinfo(text);
  EXPECT_EQ(t.logical_cpus, 8);
  EXPECT_EQ(t.physical_cores, 4);
  EXPECT_EQ(t.sockets, 2);
  EXPECT_EQ(t.model_name, "Test CPU @ 3.0GHz");

  // A VM that hides the ids.
  const CpuTopology v = parse_cpuinfo("processor\t: 0\nmodel name\t: V\n\nprocessor\t: 1\nmodel name\t: V\n");
  EXPECT_EQ(v.logical_cpus, 2);
  EXPECT_EQ(v.physical_cores, 2);
  EXPECT_EQ(v.sockets, 1);
  EXPECT_EQ(parse_cpuinfo("").logical_cpus, 0);
}

TEST(DeviceInfo, DescribesThisMachine) {
  const kernels::BlasInfo b = kernels::blas_info();
  EXPECT_EQ(b.library, "OpenBLAS");
  EXPECT_FALSE(b.corename.empty());
  EXPECT_NE(b.config.find("OpenBLAS"), std::string::npos) << b.config;

  const DeviceInfo d = collect_device_info("/nonexistent/libnvidia-ml.so.1");
  EXPECT_FALSE(d.cpu_model.empty());
  EXPECT_GT(d.topology.logical_cpus, 0);
  EXPECT_GE(d.topology.logical_cpus, d.topology.physical_cores);
  EXPECT_GT(d.threads_used, 0);
  EXPECT_EQ(d.isa_features.size(), 9u);
  EXPECT_TRUE(d.kernel_isa == "scalar" || d.kernel_isa == "avx2" || d.kernel_isa == "avx512") << d.kernel_isa;
  EXPECT_GT(d.memory_total, d.memory_available);
  EXPECT_GT(d.memory_available, 0u);
  EXPECT_FALSE(d.nvml_loaded);
  EXPECT_TRUE(d.gpus.empty());
  const std::string fp = hardware_fingerprint(d);
  EXPECT_EQ(fp.rfind(d.cpu_model + " | ", 0), 0u) << fp;
  EXPECT_NE(fp.find("GPUs: none"), std::string::npos) << fp;
}

TEST(DeviceInfo, FakeNvmlListsItsGpus) {
  const DeviceInfo d = collect_device_info(FAKE_NVML);
  ASSERT_TRUE(d.nvml_loaded) << d.nvml_status;
  EXPECT_EQ(d.nvml_status, "driver 999.1-fake");
  ASSERT_EQ(d.gpus.size(), 2u);
  EXPECT_EQ(d.gpus[0].name, "Fake GPU A");
  EXPECT_NE(hardware_fingerprint(d).find("GPUs: Fake GPU A, Fake GPU B"), std::string::npos);
}

TEST(Footprint, FixtureSizes) {
  const fs::path dir = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-llama";
  if (!fs::exists(dir / "model.safetensors")) GTEST_SKIP() << "no fixture";
  const auto m = model::Model::load(dir);
  const ModelFootprint f = model_footprint(*m, dir);
  EXPECT_EQ(f.file_bytes, 8'921'688u);  // tools/README.md
  EXPECT_EQ(f.parameters, 4'458'752u);
  EXPECT_EQ(f.weight_bytes, 4u * 4'458'752u);  // f32 for compute
  EXPECT_NEAR(f.bits_per_weight, 8.0 * 8'921'688 / 4'458'752, 1e-9);  // bf16 + header
  // 4 layers x 2 kv heads x head dim 64 x (K + V) x 4 bytes.
  EXPECT_EQ(f.kv_bytes_per_token, 4u * 2 * 64 * 2 * 4);
  EXPECT_EQ(f.kv_bytes_per_token, kv_bytes_per_token(4, 2, 64));
}

}  // namespace
}  // namespace slimlm::eval
