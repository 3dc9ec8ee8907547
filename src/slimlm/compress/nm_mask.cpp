#include "slimlm/compress/nm_mask.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"

namespace slimlm::compress {
namespace {

// Count pruned out of n for a fraction (int(n * ratio) as the reference
// code computes it; the epsilon keeps 0.3 * 10 from landing on 2).
int64_t pruned_count(int64_t n, double ratio) {
  return static_cast<int64_t>(std::floor(static_cast<double>(n) * ratio + 1e-9));
}

// Lower score first; equal scores: the earlier index first.
struct ByScore {
  const float* s;
  bool operator()(int64_t a, int64_t b) const { return s[a] < s[b] || (s[a] == s[b] && a < b); }
};

bool parse_int(std::string_view s, int& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

SparsityPattern SparsityPattern::unstructured(double ratio) {
  SparsityPattern p;
  p.kind = Kind::kUnstructured;
  p.ratio = ratio;
  return p;
}

SparsityPattern SparsityPattern::nm(int n, int m) {
  SparsityPattern p;
  p.kind = Kind::kNM;
  p.n = n;
  p.m = m;
  return p;
}

SparsityPattern SparsityPattern::parse(std::string_view text, std::string_view flag) {
  const auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    int n = 0, m = 0;
    if (!parse_int(text.substr(0, colon), n) || !parse_int(text.substr(colon + 1), m) || m < 1 ||
        m > 64 || n < 1 || n >= m) {
      throw ConfigError(fmt::format("{} {}: expected N:M with 1 <= N < M <= 64 (N kept of every M), e.g. 2:4",
                                    flag, text));
    }
    return nm(n, m);
  }
  std::string s(text);
  double scale = 1.0;
  if (!s.empty() && s.back() == '%') {
    s.pop_back();
    scale = 0.01;
  }
  double r = 0;
  try {
    size_t used = 0;
    r = std::stod(s, &used) * scale;
    if (used != s.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw ConfigError(fmt::format("{} {}: expected a fraction such as 0.5 or 50%", flag, text));
  }
  if (!(r > 0.0 && r < 1.0)) {
    throw ConfigError(fmt::format("{} {}: the fraction pruned must lie strictly between 0 and 1", flag, text));
  }
  return unstructured(r);
}

double SparsityPattern::sparsity() const {
  return is_nm() ? 1.0 - static_cast<double>(n) / static_cast<double>(m) : ratio;
}

std::string SparsityPattern::to_string() const {
  if (is_nm()) return fmt::format("{}:{}", n, m);
  return fmt::format("unstructured {:g}%", ratio * 100.0);
}

void SparsityPattern::check_shape(int64_t rows, int64_t cols, std::string_view what) const {
  if (is_nm() && cols % m != 0) {
    throw ConfigError(fmt::format("{}: {} columns are not a multiple of {}, so {}:{} cannot hold", what, cols,
                                  m, n, m));
  }
}

void mask_lowest_in_row(const float* score_row, int64_t cols, int64_t k, uint8_t* mask_row) {
  std::fill(mask_row, mask_row + cols, uint8_t{0});
  if (k <= 0) return;
  std::vector<int64_t> order(static_cast<size_t>(cols));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), ByScore{score_row});
  // nth_element leaves the k − 1 lower ones before position k − 1.
  for (int64_t i = 0; i < k; ++i) mask_row[order[static_cast<size_t>(i)]] = 1;
}

void mask_nm_row(const float* score_row, int64_t cols, int n, int m, uint8_t* mask_row) {
  int idx[64];
  for (int64_t g = 0; g + m <= cols; g += m) {
    std::iota(idx, idx + m, 0);
    const float* s = score_row + g;
    std::sort(idx, idx + m, [s](int a, int b) { return s[a] < s[b] || (s[a] == s[b] && a < b); });
    for (int i = 0; i < m; ++i) mask_row[g + idx[i]] = i < m - n ? 1 : 0;
  }
}

void prune_mask(const float* score, int64_t rows, int64_t cols, const SparsityPattern& pattern,
                MaskScope scope, uint8_t* mask) {
  if (pattern.is_nm()) {
    parallel_for(0, rows, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) mask_nm_row(score + r * cols, cols, pattern.n, pattern.m, mask + r * cols);
    });
    return;
  }
  if (scope == MaskScope::kPerRow) {
    const int64_t k = pruned_count(cols, pattern.ratio);
    parallel_for(0, rows, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) mask_lowest_in_row(score + r * cols, cols, k, mask + r * cols);
    });
    return;
  }
  const int64_t n = rows * cols;
  mask_lowest_in_row(score, n, pruned_count(n, pattern.ratio), mask);
}

int64_t count_zeros(const float* w, int64_t n) {
  int64_t z = 0;
  for (int64_t i = 0; i < n; ++i) z += w[i] == 0.0f;
  return z;
}

PatternCheck check_pattern(const float* w, int64_t rows, int64_t cols, const SparsityPattern& pattern,
                           MaskScope scope) {
  PatternCheck c;
  c.total = rows * cols;
  c.zeros = count_zeros(w, c.total);
  if (pattern.is_nm()) {
    if (cols % pattern.m != 0) {
      c.ok = false;
      c.problem = fmt::format("{} columns are not a multiple of {}", cols, pattern.m);
      return c;
    }
    for (int64_t r = 0; r < rows && c.ok; ++r) {
      for (int64_t g = 0; g < cols; g += pattern.m) {
        const int64_t nz = pattern.m - count_zeros(w + r * cols + g, pattern.m);
        if (nz > pattern.n) {
          c.ok = false;
          c.problem = fmt::format("row {} columns {}..{} hold {} non-zeros (at most {} allowed)", r, g,
                                  g + pattern.m - 1, nz, pattern.n);
          break;
        }
      }
    }
    return c;
  }
  if (scope == MaskScope::kPerRow) {
    const int64_t k = pruned_count(cols, pattern.ratio);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t z = count_zeros(w + r * cols, cols);
      if (z < k) {
        c.ok = false;
        c.problem = fmt::format("row {} has {} zeros, fewer than {}", r, z, k);
        return c;
      }
    }
    return c;
  }
  const int64_t k = pruned_count(c.total, pattern.ratio);
  if (c.zeros < k) {
    c.ok = false;
    c.problem = fmt::format("{} zeros, fewer than {}", c.zeros, k);
  }
  return c;
}

void apply_mask(float* w, const uint8_t* mask, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (mask[i]) w[i] = 0.0f;
  }
}

}  // namespace slimlm::compress
