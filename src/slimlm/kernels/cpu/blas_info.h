#pragma once
// Which BLAS the sgemm kernels call, for `slimlm device-info` and run
// fingerprints: OpenBLAS reports its build options and the core it chose at
// load time (e.g. "SkylakeX", "Haswell"), which decides prefill speed.
#include <string>

namespace slimlm::kernels {

struct BlasInfo {
  std::string library;   // "OpenBLAS"
  std::string config;    // openblas_get_config(): version and build options
  std::string corename;  // openblas_get_corename(): the kernel set in use
  int threads = 0;       // openblas_get_num_threads()
  std::string threading; // "sequential", "pthreads" or "openmp"
};

BlasInfo blas_info();

}  // namespace slimlm::kernels
