#include "slimlm/compress/prune_magnitude.h"

#include <cmath>
#include <vector>

namespace slimlm::compress {

int64_t prune_magnitude(float* w, int64_t rows, int64_t cols, const SparsityPattern& pattern,
                        MaskScope scope) {
  const int64_t n = rows * cols;
  std::vector<float> score(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) score[static_cast<size_t>(i)] = std::fabs(w[i]);
  std::vector<uint8_t> mask(static_cast<size_t>(n));
  prune_mask(score.data(), rows, cols, pattern, scope, mask.data());
  apply_mask(w, mask.data(), n);
  int64_t pruned = 0;
  for (uint8_t m : mask) pruned += m;
  return pruned;
}

}  // namespace slimlm::compress
