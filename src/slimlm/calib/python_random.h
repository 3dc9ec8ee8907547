#pragma once
// CPython's `random` module, as far as calibration sampling needs it:
// random.seed(int) (MT19937 seeded through init_by_array with the integer's
// 32-bit words), getrandbits(k) and randint(a, b). With the same seed it
// returns the same numbers as Python, so the calibration windows are the ones
// the reference implementations (IST-DASLab/gptq's datautils, which call
// random.seed(seed) then random.randint per sample) pick from the same
// token stream.
#include <array>
#include <cstdint>

namespace slimlm::calib {

class PythonRandom {
 public:
  explicit PythonRandom(uint64_t seed);

  // The next 32 random bits (genrand_uint32).
  uint32_t next_u32();
  // random.getrandbits(k) for 1 <= k <= 32.
  uint32_t getrandbits(int k);
  // random.randint(a, b): uniform in [a, b], by rejection as _randbelow does.
  // Requires a <= b and b - a < 2^32 - 1.
  int64_t randint(int64_t a, int64_t b);

 private:
  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int index_ = kN + 1;
};

}  // namespace slimlm::calib
