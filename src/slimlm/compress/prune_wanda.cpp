#include "slimlm/compress/prune_wanda.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"

namespace slimlm::compress {

int64_t prune_wanda(float* w, int64_t rows, int64_t cols, std::span<const double> sq_sum,
                    const SparsityPattern& pattern) {
  if (static_cast<int64_t>(sq_sum.size()) != cols) {
    throw Error(fmt::format("prune_wanda: {} input norms for {} columns", sq_sum.size(), cols));
  }
  std::vector<float> norm(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) norm[static_cast<size_t>(j)] = static_cast<float>(std::sqrt(sq_sum[static_cast<size_t>(j)]));
  std::vector<float> score(static_cast<size_t>(rows * cols));
  parallel_for(0, rows, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t j = 0; j < cols; ++j) {
        score[static_cast<size_t>(r * cols + j)] = std::fabs(w[r * cols + j]) * norm[static_cast<size_t>(j)];
      }
    }
  });
  std::vector<uint8_t> mask(static_cast<size_t>(rows * cols));
  prune_mask(score.data(), rows, cols, pattern, MaskScope::kPerRow, mask.data());
  apply_mask(w, mask.data(), rows * cols);
  int64_t pruned = 0;
  for (uint8_t m : mask) pruned += m;
  return pruned;
}

}  // namespace slimlm::compress
