#pragma once
// One persistent thread pool for data-parallel loops. The calling thread works
// too, so num_threads() counts it. Parallel regions do not nest: a
// parallel_for inside another runs serially on the thread that calls it,
// which keeps the pool from deadlocking on itself.
#include <cstdint>
#include <functional>

namespace slimlm {

// Threads used by parallel_for, the caller included. Default: all hardware
// threads, or env SLIMLM_THREADS when it is a positive number.
int num_threads();
// n <= 0 means all hardware threads. Not to be called from inside parallel_for.
void set_num_threads(int n);

// Calls fn(b, e) on disjoint sub-ranges that together cover [begin, end)
// exactly once, each at least `grain` long (unless the whole range is shorter), on up
// to num_threads() threads. Returns when all are done. If fn throws, the
// remaining sub-ranges are skipped and the first exception is rethrown here.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

// Whether the calling thread is inside a parallel_for region.
bool in_parallel_region();

}  // namespace slimlm
