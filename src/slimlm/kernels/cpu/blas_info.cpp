#include "slimlm/kernels/cpu/blas_info.h"

#include <cblas.h>

namespace slimlm::kernels {

BlasInfo blas_info() {
  BlasInfo b;
  b.library = "OpenBLAS";
  if (const char* c = openblas_get_config()) b.config = c;
  if (const char* c = openblas_get_corename()) b.corename = c;
  b.threads = openblas_get_num_threads();
  switch (openblas_get_parallel()) {
    case 0: b.threading = "sequential"; break;
    case 1: b.threading = "pthreads"; break;
    case 2: b.threading = "openmp"; break;
    default: b.threading = "unknown"; break;
  }
  return b;
}

}  // namespace slimlm::kernels
