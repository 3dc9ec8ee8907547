#include "slimlm/kernels/ref/reference_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace slimlm::kernels::ref {

void matmul(const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) acc += double(x[m * K + k]) * double(w[n * K + k]);
      y[m * N + n] = static_cast<float>(acc);
    }
  }
}

void gemv(const float* w, const float* x, float* y, int64_t N, int64_t K) { matmul(x, w, y, 1, N, K); }

void rms_norm(const float* x, const float* weight, float* out, int64_t M, int64_t C, float eps) {
  for (int64_t m = 0; m < M; ++m) {
    const float* row = x + m * C;
    double ss = 0.0;
    for (int64_t c = 0; c < C; ++c) ss += double(row[c]) * double(row[c]);
    const double inv = 1.0 / std::sqrt(ss / double(C) + double(eps));
    for (int64_t c = 0; c < C; ++c) {
      out[m * C + c] = static_cast<float>(double(weight[c]) * (double(row[c]) * inv));
    }
  }
}

void rope(float* x, const int32_t* positions, const float* inv_freq, int64_t T, int64_t n_heads,
          int64_t head_dim) {
  const int64_t half = head_dim / 2;
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const double angle = double(positions[t]) * double(inv_freq[i]);
        const double c = std::cos(angle), s = std::sin(angle);
        const double a = v[i], b = v[i + half];
        v[i] = static_cast<float>(a * c - b * s);
        v[i + half] = static_cast<float>(b * c + a * s);
      }
    }
  }
}

void softmax(float* x, int64_t M, int64_t N) {
  for (int64_t m = 0; m < M; ++m) {
    float* row = x + m * N;
    const float mx = *std::max_element(row, row + N);
    double sum = 0.0;
    for (int64_t n = 0; n < N; ++n) sum += std::exp(double(row[n]) - double(mx));
    for (int64_t n = 0; n < N; ++n) row[n] = static_cast<float>(std::exp(double(row[n]) - double(mx)) / sum);
  }
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double g = gate[i];
    out[i] = static_cast<float>(g / (1.0 + std::exp(-g)) * double(up[i]));
  }
}

void attention(const float* q, const float* k, const float* v, float* out, int64_t T, int64_t H,
               int64_t Hkv, int64_t D, int64_t window) {
  const int64_t group = H / Hkv;
  const double scale = 1.0 / std::sqrt(double(D));
  std::vector<double> p(static_cast<size_t>(T));
  for (int64_t h = 0; h < H; ++h) {
    const int64_t kh = h / group;
    for (int64_t t = 0; t < T; ++t) {
      const float* qt = q + (t * H + h) * D;
      const int64_t lo = window > 0 ? std::max<int64_t>(0, t - window + 1) : 0;
      double mx = -1e300;
      for (int64_t j = lo; j <= t; ++j) {
        const float* kj = k + (j * Hkv + kh) * D;
        double dot = 0.0;
        for (int64_t d = 0; d < D; ++d) dot += double(qt[d]) * double(kj[d]);
        p[j] = dot * scale;
        mx = std::max(mx, p[j]);
      }
      double sum = 0.0;
      for (int64_t j = lo; j <= t; ++j) sum += (p[j] = std::exp(p[j] - mx));
      for (int64_t d = 0; d < D; ++d) {
        double acc = 0.0;
        for (int64_t j = lo; j <= t; ++j) acc += p[j] / sum * double(v[(j * Hkv + kh) * D + d]);
        out[(t * H + h) * D + d] = static_cast<float>(acc);
      }
    }
  }
}

}  // namespace slimlm::kernels::ref
