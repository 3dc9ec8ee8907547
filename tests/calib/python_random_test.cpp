// PythonRandom against CPython 3's random module (values printed by
// python3 -c "import random; random.seed(0); print(...)").
#include <gtest/gtest.h>

#include "slimlm/calib/python_random.h"
#include "slimlm/core/error.h"

namespace slimlm::calib {
namespace {

TEST(PythonRandom, GetrandbitsMatchesCPython) {
  PythonRandom r(0);
  EXPECT_EQ(r.getrandbits(32), 3626764237u);
  EXPECT_EQ(r.getrandbits(32), 1654615998u);
}

TEST(PythonRandom, RandintMatchesCPython) {
  PythonRandom r(0);
  const int64_t want[] = {864, 394, 776, 911, 430};
  for (int64_t w : want) EXPECT_EQ(r.randint(0, 1000), w);
}

TEST(PythonRandom, SeedsWiderThan32BitsUseEveryWord) {
  // random.seed(12345678901234567890); random.randint(0, 10**6)
  PythonRandom r(12345678901234567890ull);
  EXPECT_EQ(r.randint(0, 1000000), 536889);
}

TEST(PythonRandom, RandintStaysInRangeAndRejectsEmptyRanges) {
  PythonRandom r(7);
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = r.randint(-3, 5);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 5);
  }
  EXPECT_EQ(r.randint(4, 4), 4);
  EXPECT_THROW(r.randint(5, 4), Error);
}

}  // namespace
}  // namespace slimlm::calib
