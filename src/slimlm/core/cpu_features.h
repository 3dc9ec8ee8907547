#pragma once
// What the CPU (and the OS, which must save the wider register state) supports,
// and which instruction-set path the dispatched kernels take. Kernels compiled
// for AVX2 / AVX-512 live in files built with per-file flags
// (slimlm_isa_sources) and are only reached through best_isa().
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slimlm {

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false, avx512f = false, avx512bw = false,
       avx512vl = false, avx512dq = false, avx512bf16 = false, avx512vnni = false;
  std::string brand;
};

// Probed once with cpuid + xgetbv; a flag is true only when the OS enables the
// register state it needs.
const CpuFeatures& cpu_features();

enum class Isa : uint8_t { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// The highest path this CPU supports (kAvx2 needs avx2+fma+f16c; kAvx512 needs
// avx512f+bw+vl+dq), capped by env SLIMLM_ISA=scalar|avx2|avx512 or by
// set_isa_override. Asking for more than the CPU has falls back with a warning.
Isa best_isa();

// Replaces the SLIMLM_ISA cap (nullopt: back to the environment / hardware).
// Tests use it to run every path.
void set_isa_override(std::optional<Isa> isa);

std::string_view to_string(Isa isa);
std::optional<Isa> isa_from_string(std::string_view name);

}  // namespace slimlm
