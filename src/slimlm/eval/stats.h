#pragma once
// Small statistics shared by the eval tasks: running sums with llama.cpp's
// uncertainty estimates, percentiles, mean and sample standard deviation.
#include <cstdint>
#include <span>
#include <vector>

namespace slimlm::eval {

struct MeanUnc {
  double mean = 0.0;
  double unc = 0.0;  // standard error of the mean
};

// Σx and Σx² over n values -> mean ± sqrt((E[x²] − E[x]²) / (n − 1)), as
// llama-perplexity reports it (the uncertainty is 0 for n < 2 or a
// non-positive variance).
MeanUnc mean_and_uncertainty(double sum, double sum2, uint64_t n);

// Sample covariance of the means of a and b from Σa, Σb, Σab (llama.cpp's
// formula: (E[ab] − E[a]E[b]) / (n − 1)); 0 for n < 2.
double covariance_of_means(double sum_a, double sum_b, double sum_ab, uint64_t n);

// The value at `fraction` (0..1) of sorted values, linearly interpolated
// between neighbours (llama.cpp's percentile; 0.5 gives the median).
double percentile_sorted(std::span<const float> sorted, double fraction);

// Mean and sample standard deviation (n − 1); sd is 0 for fewer than 2 values.
struct MeanSd {
  double mean = 0.0;
  double sd = 0.0;
};
MeanSd mean_sd(std::span<const double> values);

}  // namespace slimlm::eval
