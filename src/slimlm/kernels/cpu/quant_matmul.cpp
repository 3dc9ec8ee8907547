#include "slimlm/kernels/cpu/quant_matmul.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/kernels/cpu/quant_kernels.h"
#include "slimlm/kernels/cpu/quant_vnni.h"

namespace slimlm::kernels {
namespace {

const cpu::QuantKernels& kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return cpu::quant_kernels_avx512();
    case Isa::kAvx2: return cpu::quant_kernels_avx2();
    case Isa::kScalar: break;
  }
  return cpu::quant_kernels_scalar();
}

cpu::QuantView view_of(const quant::QuantizedTensor& w) {
  const quant::FormatTraits& t = w.traits();
  cpu::QuantView v;
  v.codes = static_cast<const uint32_t*>(w.codes.raw_data());
  v.words_per_row = w.words_per_row();
  v.scales = w.scales.raw_data();
  v.scales_f16 = w.scales.dtype() == DType::kF16;
  v.zeros = w.has_zeros() ? static_cast<const uint8_t*>(w.zeros.raw_data()) : nullptr;
  v.rows = w.rows;
  v.cols = w.cols;
  v.group = w.group_length();
  v.groups = w.groups_per_row();
  v.bits = t.bits;
  v.nf4 = t.codebook == quant::Codebook::kNf4;
  v.implied_zero = t.implied_zero();
  return v;
}

// x gathered by the column permutation and rearranged into the kernels'
// order, plus Σ x per group. Reused across calls on the calling thread.
struct PreparedX {
  std::vector<float> x, xsum, tmp;
};

void prepare_x(const quant::QuantizedTensor& w, const cpu::QuantView& v, cpu::XOrder order,
               const float* x, int64_t M, PreparedX& p) {
  const int64_t K = v.cols;
  p.x.resize(static_cast<size_t>(M * K));
  p.xsum.resize(static_cast<size_t>(M * v.groups));
  const int32_t* perm = w.has_perm() ? w.perm.data<int32_t>() : nullptr;
  p.tmp.resize(static_cast<size_t>(K));
  for (int64_t m = 0; m < M; ++m) {
    const float* src = x + m * K;
    if (perm) {
      for (int64_t i = 0; i < K; ++i) p.tmp[static_cast<size_t>(i)] = src[perm[i]];
      src = p.tmp.data();
    }
    float* dst = p.x.data() + m * K;
    if (order == cpu::XOrder::kEvenOdd32) {
      for (int64_t b = 0; b < K; b += 32) {
        for (int i = 0; i < 16; ++i) {
          dst[b + i] = src[b + 2 * i];
          dst[b + 16 + i] = src[b + 2 * i + 1];
        }
      }
    } else {
      std::copy(src, src + K, dst);
    }
    for (int64_t g = 0; g < v.groups; ++g) {
      float s = 0.0f;
      for (int64_t i = g * v.group; i < (g + 1) * v.group; ++i) s += dst[i];
      p.xsum[static_cast<size_t>(m * v.groups + g)] = s;
    }
  }
}

QuantActivations activations_from_env() {
  const char* env = std::getenv("SLIMLM_QUANT_ACTIVATIONS");
  if (!env || !*env || std::string_view(env) == "int8") return QuantActivations::kInt8;
  if (std::string_view(env) == "f32") return QuantActivations::kF32;
  log::warn("ignoring SLIMLM_QUANT_ACTIVATIONS={}: expected f32 or int8", env);
  return QuantActivations::kInt8;
}

std::atomic<int> g_activations_override{-1};

}  // namespace

void set_quant_activations(std::optional<QuantActivations> mode) {
  g_activations_override.store(mode ? static_cast<int>(*mode) : -1, std::memory_order_relaxed);
}

QuantActivations quant_activations() {
  static const QuantActivations from_env = activations_from_env();
  const int o = g_activations_override.load(std::memory_order_relaxed);
  return o < 0 ? from_env : static_cast<QuantActivations>(o);
}

bool quant_int8_dot_available(const quant::QuantizedTensor& w, Isa isa) {
  return isa == Isa::kAvx512 && cpu_features().avx512vnni && cpu::vnni_supported(view_of(w));
}

void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M, Isa isa,
                  QuantPath path) {
  const int64_t N = w.rows, K = w.cols;
  if (M <= 0 || N <= 0) return;
  const cpu::QuantView v = view_of(w);
  if (path == QuantPath::kAuto && quant_activations() == QuantActivations::kInt8 &&
      quant_int8_dot_available(w, isa)) {
    path = QuantPath::kInt8Dot;
  }
  if (path == QuantPath::kInt8Dot) {
    if (!quant_int8_dot_available(w, isa)) {
      throw DeviceError("the int8-dot quantized kernels need AVX-512 VNNI and an 8-, 4- or 2-bit format");
    }
    thread_local PreparedX gathered;
    const float* xs = x;
    if (w.has_perm()) {
      prepare_x(w, v, cpu::XOrder::kNatural, x, M, gathered);
      xs = gathered.x.data();
    }
    thread_local cpu::VnniActivations act;
    cpu::vnni_prepare(v, xs, M, act);
    const int64_t grain = std::max<int64_t>(4, 16384 / K);
    parallel_for(0, N, grain, [&, a = &act](int64_t r0, int64_t r1) { cpu::vnni_rows(v, *a, y, N, r0, r1); });
    return;
  }
  const cpu::QuantKernels& k = kernels_for(isa);
  thread_local PreparedX prepared;
  prepare_x(w, v, k.order(v), x, M, prepared);
  if (path == QuantPath::kAuto) path = M <= kFusedMaxRows ? QuantPath::kFused : QuantPath::kDequantGemm;

  if (path == QuantPath::kFused) {
    const cpu::QuantRowsArgs args{&v, prepared.x.data(), prepared.xsum.data(), M, y, N};
    // About 16 Ki weights per task: enough work to amortise the hand-off.
    const int64_t grain = std::max<int64_t>(4, 16384 / K);
    parallel_for(0, N, grain, [&](int64_t r0, int64_t r1) { k.rows(args, r0, r1); });
    return;
  }
  // A tile of about 128 KiB of f32 weights stays in L2 while sgemm streams x past it.
  const int64_t tile = std::clamp<int64_t>((32768 / K + 15) / 16 * 16, 16, 256);
  const int64_t tiles = (N + tile - 1) / tile;
  const float* xp = prepared.x.data();
  parallel_for(0, tiles, 1, [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> buf;
    buf.resize(static_cast<size_t>(tile * K));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = t * tile, r1 = std::min(N, r0 + tile);
      k.dequant(v, r0, r1, buf.data());
      sgemm_serial(false, true, M, r1 - r0, K, 1.0f, xp, K, buf.data(), K, 0.0f, y + r0, N);
    }
  });
}

void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M) {
  quant_matmul(w, x, y, M, best_isa());
}

}  // namespace slimlm::kernels
