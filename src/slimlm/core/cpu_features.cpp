#include "slimlm/core/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "slimlm/core/log.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define SLIMLM_X86 1
#endif

namespace slimlm {
namespace {

#if SLIMLM_X86
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  if (!__get_cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d)) r = Regs{};
  return r;
}

uint64_t xgetbv0() {
  unsigned lo = 0, hi = 0;
  // Raw encoding of xgetbv so that this file needs no -mxsave.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned v, int i) { return (v >> i) & 1u; }

CpuFeatures probe() {
  CpuFeatures f;
  const unsigned max_leaf = cpuid(0).a;
  const Regs l1 = cpuid(1);
  // Without OSXSAVE the OS does not save YMM/ZMM state across context
  // switches, whatever cpuid claims about the execution units.
  uint64_t xcr0 = 0;
  if (bit(l1.c, 27)) xcr0 = xgetbv0();
  const bool os_avx = (xcr0 & 0x6) == 0x6;            // XMM + YMM
  const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM

  const bool avx = bit(l1.c, 28) && os_avx;
  f.fma = avx && bit(l1.c, 12);
  f.f16c = avx && bit(l1.c, 29);
  if (max_leaf >= 7) {
    const Regs l7 = cpuid(7, 0);
    f.avx2 = avx && bit(l7.b, 5);
    f.avx512f = os_avx512 && bit(l7.b, 16);
    f.avx512dq = f.avx512f && bit(l7.b, 17);
    f.avx512bw = f.avx512f && bit(l7.b, 30);
    f.avx512vl = f.avx512f && bit(l7.b, 31);
    f.avx512vnni = f.avx512f && bit(l7.c, 11);
    if (l7.a >= 1) f.avx512bf16 = f.avx512f && bit(cpuid(7, 1).a, 5);
  }
  if (cpuid(0x80000000).a >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      const Regs r = cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    f.brand = brand;
    // Vendors pad the brand string with spaces on either side.
    const auto first = f.brand.find_first_not_of(' ');
    const auto last = f.brand.find_last_not_of(' ');
    f.brand = first == std::string::npos ? "" : f.brand.substr(first, last - first + 1);
  }
  return f;
}
#else
CpuFeatures probe() { return {}; }
#endif

Isa hardware_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx2 && f.fma && f.f16c) {
    return Isa::kAvx512;
  }
  if (f.avx2 && f.fma && f.f16c) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa cap(Isa want, std::string_view source) {
  const Isa hw = hardware_isa();
  if (want <= hw) return want;
  log::warn("{} asks for {} but this CPU supports at most {}; using {}", source, to_string(want),
            to_string(hw), to_string(hw));
  return hw;
}

Isa env_isa() {
  const char* env = std::getenv("SLIMLM_ISA");
  if (!env || !*env) return hardware_isa();
  const auto want = isa_from_string(env);
  if (!want) {
    log::warn("ignoring SLIMLM_ISA={}: expected scalar, avx2 or avx512", env);
    return hardware_isa();
  }
  return cap(*want, "SLIMLM_ISA");
}

// -1 means "no override"; otherwise the (already capped) Isa value.
std::atomic<int> g_override{-1};

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = probe();
  return features;
}

Isa best_isa() {
  const int o = g_override.load(std::memory_order_relaxed);
  if (o >= 0) return static_cast<Isa>(o);
  static const Isa from_env = env_isa();
  return from_env;
}

void set_isa_override(std::optional<Isa> isa) {
  g_override.store(isa ? static_cast<int>(cap(*isa, "the ISA override")) : -1,
                   std::memory_order_relaxed);
}

std::string_view to_string(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

std::optional<Isa> isa_from_string(std::string_view name) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (name == to_string(isa)) return isa;
  }
  return std::nullopt;
}

}  // namespace slimlm
