#pragma once
// Sparsity patterns, pruning masks from importance scores, and the checks
// that a pruned weight really has the pattern it claims.
//
// Patterns:
//   unstructured r   a fraction r of the weights is zero, chosen either in
//                    each row (Wanda compares within an output row) or over
//                    the whole tensor (the magnitude baseline of the Wanda
//                    repository sorts the whole matrix);
//   N:M              at most N of every M consecutive weights along a row
//                    (the input dimension) are non-zero: 2:4 is NVIDIA's
//                    sparse tensor core pattern, 4:8 a looser one. N counts
//                    the weights kept, as NVIDIA writes it.
//
// A mask marks the weights to prune (1) among rows × cols. Every mask
// function prunes exactly the count the pattern implies, the lowest scores
// first and, between equal scores, the earlier column (so that results do
// not depend on the sort's stability).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::compress {

struct SparsityPattern {
  enum class Kind : uint8_t { kUnstructured, kNM };
  Kind kind = Kind::kUnstructured;
  double ratio = 0.5;  // unstructured: fraction pruned, in [0, 1)
  int n = 2, m = 4;    // N:M: N kept of every M

  static SparsityPattern unstructured(double ratio);
  static SparsityPattern nm(int n, int m);
  // "0.5" / "50%" (unstructured) or "2:4". Throws ConfigError naming `flag`.
  static SparsityPattern parse(std::string_view text, std::string_view flag);

  bool is_nm() const { return kind == Kind::kNM; }
  // Fraction of the weights pruned: ratio, or 1 − N/M.
  double sparsity() const;
  // "unstructured 50%" / "2:4".
  std::string to_string() const;
  // Throws ConfigError naming `what` when a [rows, cols] weight cannot take
  // the pattern (N:M needs cols % M == 0).
  void check_shape(int64_t rows, int64_t cols, std::string_view what) const;
};

enum class MaskScope : uint8_t {
  kPerRow,     // the same count pruned in every row
  kPerTensor,  // one threshold over the whole tensor
};

// mask[rows * cols] = 1 for the weights to prune, for `pattern` over
// score[rows * cols] (higher = more important). N:M ignores `scope`.
void prune_mask(const float* score, int64_t rows, int64_t cols, const SparsityPattern& pattern,
                MaskScope scope, uint8_t* mask);

// Row-wise helpers the passes share: within row r the `k` lowest scores
// (ties to the earlier column) get mask 1.
void mask_lowest_in_row(const float* score_row, int64_t cols, int64_t k, uint8_t* mask_row);
// In each group of m along the row, the m − n lowest.
void mask_nm_row(const float* score_row, int64_t cols, int n, int m, uint8_t* mask_row);

// How many weights of a tensor are exactly zero (+0 or −0).
int64_t count_zeros(const float* w, int64_t n);

struct PatternCheck {
  bool ok = true;
  int64_t zeros = 0, total = 0;
  std::string problem;  // names the first row / group that breaks the pattern
};

// Whether w [rows, cols] has the pattern: N:M in every group; unstructured:
// at least the pattern's count of zeros in every row (kPerRow) or in the
// tensor (kPerTensor).
PatternCheck check_pattern(const float* w, int64_t rows, int64_t cols, const SparsityPattern& pattern,
                           MaskScope scope);

// Zeros the masked weights: w[i] = 0 where mask[i].
void apply_mask(float* w, const uint8_t* mask, int64_t n);

}  // namespace slimlm::compress
