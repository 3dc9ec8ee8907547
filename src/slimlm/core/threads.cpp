#include "slimlm/core/threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"

namespace slimlm {
namespace {

thread_local bool t_in_region = false;

int hardware_threads() {
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

int initial_threads() {
  const char* env = std::getenv("SLIMLM_THREADS");
  if (env && *env) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (*end == '\0' && v > 0 && v <= 4096) return static_cast<int>(v);
    log::warn("ignoring SLIMLM_THREADS={}: expected a positive number", env);
  }
  return hardware_threads();
}

// One parallel_for call. Shared with the workers so that a worker waking late
// still holds a valid (finished) job rather than a dangling one.
struct Job {
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  // Task t covers `base` elements, plus one for the first `extra` tasks.
  int64_t begin = 0, base = 0, extra = 0;
  int64_t tasks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> finished{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;  // first failure; written once, guarded by `failed`
  std::mutex done_mutex;
  std::condition_variable done_cv;

  // Claims and runs tasks until none are left.
  void work() {
    int64_t t;
    while ((t = next.fetch_add(1, std::memory_order_relaxed)) < tasks) {
      if (!failed.load(std::memory_order_relaxed)) {
        const int64_t b = begin + t * base + std::min(t, extra);
        const int64_t e = b + base + (t < extra ? 1 : 0);
        try {
          (*fn)(b, e);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
      }
      if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == tasks) {
        std::lock_guard lock(done_mutex);
        done_cv.notify_all();
      }
    }
  }
};

class Pool {
 public:
  Pool() : size_(initial_threads()) {}
  ~Pool() { stop_workers(); }

  int size() const { return size_.load(std::memory_order_relaxed); }

  void resize(int n) {
    std::lock_guard lock(run_mutex_);
    stop_workers();
    size_ = n <= 0 ? hardware_threads() : n;
  }

  void run(int64_t begin, int64_t end, int64_t grain,
           const std::function<void(int64_t, int64_t)>& fn) {
    // One region at a time; callers from different threads queue here.
    std::lock_guard run_lock(run_mutex_);
    const int64_t range = end - begin;
    // Rounding the task count down keeps every piece at least `grain` long.
    const int64_t tasks = std::min<int64_t>(size(), range / grain);
    if (tasks <= 1) return run_serial(begin, end, fn);
    start_workers();

    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->begin = begin;
    job->base = range / tasks;
    job->extra = range % tasks;
    job->tasks = tasks;
    {
      std::lock_guard lock(mutex_);
      job_ = job;
      ++generation_;
    }
    wake_cv_.notify_all();

    t_in_region = true;
    job->work();
    t_in_region = false;
    {
      std::unique_lock lock(job->done_mutex);
      job->done_cv.wait(lock, [&] {
        return job->finished.load(std::memory_order_acquire) == job->tasks;
      });
    }
    {
      // Drop the pool's reference so fn's captures are not kept past return.
      std::lock_guard lock(mutex_);
      job_.reset();
    }
    if (job->error) std::rethrow_exception(job->error);
  }

  static void run_serial(int64_t begin, int64_t end,
                         const std::function<void(int64_t, int64_t)>& fn) {
    const bool outer = t_in_region;
    t_in_region = true;
    try {
      fn(begin, end);
    } catch (...) {
      t_in_region = outer;
      throw;
    }
    t_in_region = outer;
  }

 private:
  void start_workers() {
    const int want = size() - 1;
    if (static_cast<int>(workers_.size()) == want) return;
    uint64_t generation;
    {
      std::lock_guard lock(mutex_);
      stop_ = false;
      generation = generation_;
    }
    // A new worker starts from the current generation so that it cannot miss
    // the job published right after it was created.
    for (int i = static_cast<int>(workers_.size()); i < want; ++i) {
      workers_.emplace_back([this, generation] { worker_loop(generation); });
    }
  }

  void stop_workers() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void worker_loop(uint64_t seen) {
    t_in_region = true;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mutex_);
        wake_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      if (job) job->work();
    }
  }

  std::mutex run_mutex_;  // serialises regions and resizes
  std::atomic<int> size_;
  std::vector<std::thread> workers_;

  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_cv_;
  std::shared_ptr<Job> job_;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (t_in_region) throw Error("set_num_threads called inside parallel_for");
  pool().resize(n);
}

bool in_parallel_region() { return t_in_region; }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  if (grain < 1) grain = 1;
  if (t_in_region) return Pool::run_serial(begin, end, fn);
  pool().run(begin, end, grain, fn);
}

}  // namespace slimlm
