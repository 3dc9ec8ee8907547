#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "run_self.h"
#include "slimlm/core/cpu_features.h"

namespace slimlm {
namespace {

// The kernel's view of the CPU: it lists a flag only when the OS supports the
// state too, like our xgetbv check.
std::set<std::string> proc_cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> flags;
      std::string w;
      while (words >> w) flags.insert(w);
      return flags;
    }
  }
  return {};
}

TEST(CpuFeatures, AgreesWithProcCpuinfo) {
  const auto flags = proc_cpuinfo_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(f.avx2, flags.count("avx2") > 0);
  EXPECT_EQ(f.fma, flags.count("fma") > 0);
  EXPECT_EQ(f.f16c, flags.count("f16c") > 0);
  EXPECT_EQ(f.avx512f, flags.count("avx512f") > 0);
  EXPECT_EQ(f.avx512bw, flags.count("avx512bw") > 0);
  EXPECT_EQ(f.avx512vl, flags.count("avx512vl") > 0);
  EXPECT_EQ(f.avx512dq, flags.count("avx512dq") > 0);
  EXPECT_EQ(f.avx512bf16, flags.count("avx512_bf16") > 0);
  EXPECT_EQ(f.avx512vnni, flags.count("avx512_vnni") > 0);
}

TEST(CpuFeatures, IsCachedAndConsistent) {
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(&f, &cpu_features());
  // Every AVX-512 extension needs the foundation.
  if (f.avx512bw || f.avx512vl || f.avx512dq || f.avx512bf16 || f.avx512vnni) {
    EXPECT_TRUE(f.avx512f);
  }
#if defined(__x86_64__)
  EXPECT_FALSE(f.brand.empty());
  EXPECT_NE(f.brand.front(), ' ');
  EXPECT_NE(f.brand.back(), ' ');
#endif
}

Isa hardware_max() {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  if (avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq) return Isa::kAvx512;
  return avx2 ? Isa::kAvx2 : Isa::kScalar;
}

TEST(CpuFeatures, OverrideCapsTheIsa) {
  const Isa hw = hardware_max();
  set_isa_override(std::nullopt);
  const Isa natural = best_isa();
  EXPECT_LE(natural, hw);  // SLIMLM_ISA may cap it further

  set_isa_override(Isa::kScalar);
  EXPECT_EQ(best_isa(), Isa::kScalar);
  set_isa_override(Isa::kAvx2);
  EXPECT_EQ(best_isa(), hw >= Isa::kAvx2 ? Isa::kAvx2 : Isa::kScalar);
  // Asking for more than the CPU has falls back to what it has.
  set_isa_override(Isa::kAvx512);
  EXPECT_EQ(best_isa(), hw);

  set_isa_override(std::nullopt);
  EXPECT_EQ(best_isa(), natural);
}

// In the parent: re-runs itself with SLIMLM_ISA set. In the child: checks
// that the variable caps best_isa() (an unknown value or one above the CPU
// falls back to what the CPU has).
TEST(CpuFeatures, EnvironmentCapsTheIsa) {
  if (const char* env = std::getenv("SLIMLM_ISA")) {
    const auto want = isa_from_string(env);
    EXPECT_EQ(best_isa(), want ? std::min(*want, hardware_max()) : hardware_max()) << env;
    set_isa_override(Isa::kScalar);
    EXPECT_EQ(best_isa(), Isa::kScalar);
    set_isa_override(std::nullopt);
    EXPECT_EQ(best_isa(), want ? std::min(*want, hardware_max()) : hardware_max()) << env;
    return;
  }
  for (const char* value : {"scalar", "avx2", "avx512", "bogus"}) {
    EXPECT_TRUE(test::current_test_passes_with_env(std::string("SLIMLM_ISA=") + value)) << value;
  }
}

TEST(CpuFeatures, IsaNames) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    EXPECT_EQ(isa_from_string(to_string(isa)), isa);
  }
  EXPECT_EQ(to_string(Isa::kAvx512), "avx512");
  EXPECT_EQ(isa_from_string("sse2"), std::nullopt);
  EXPECT_EQ(isa_from_string("AVX2"), std::nullopt);
}

}  // namespace
}  // namespace slimlm
