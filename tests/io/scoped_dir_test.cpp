#include "slimlm/io/scoped_dir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "slimlm/core/error.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

namespace fs = std::filesystem;
using slimlm::testing::TempDir;

TEST(ScopedDir, UniqueFolderBesideIsHiddenAndGoneAfterScope) {
  TempDir tmp;
  fs::path made;
  {
    const ScopedDir a(tmp / "out", "step1");
    const ScopedDir b(tmp / "out", "step1");
    made = a.path();
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(fs::is_directory(a.path()));
    EXPECT_EQ(a.path().parent_path(), tmp.path());
    EXPECT_EQ(a.path().filename().string().rfind(".out.step1.", 0), 0u) << a.path();
    std::ofstream(a.path() / "model.safetensors") << "x";
  }
  EXPECT_FALSE(fs::exists(made));
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(ScopedDir, GivenPathIsClearedFirstAndRemovedOnException) {
  TempDir tmp;
  const fs::path p = tmp / "scratch";
  fs::create_directories(p);
  std::ofstream(p / "stale") << "old";
  try {
    const ScopedDir d(p);
    EXPECT_FALSE(fs::exists(p));  // stale contents gone; the caller creates it
    fs::create_directories(p);
    std::ofstream(p / "new") << "x";
    throw std::runtime_error("a step failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(fs::exists(p));
}

TEST(ScopedDir, UnwritableParentIsAnIoErrorNamingIt) {
  EXPECT_THROW(ScopedDir(fs::path("/nonexistent-slimlm-dir/out"), "step1"), IoError);
}

}  // namespace
}  // namespace slimlm::io
