#include "slimlm/io/atomic_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "slimlm/core/error.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using slimlm::testing::TempDir;

void touch(const fs::path& p, const std::string& text = "x") {
  std::ofstream(p) << text;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CheckOutputFolder, RefusesTheInputItsInsideAndNonEmptyFolders) {
  TempDir tmp;
  const fs::path in = tmp / "model";
  fs::create_directories(in / "sub");
  touch(in / "config.json");
  auto refuses = [&](const fs::path& out, const char* why) {
    try {
      check_output_folder(in, out);
      ADD_FAILURE() << out << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr(why)) << out;
      EXPECT_THAT(e.what(), HasSubstr("-o ")) << out;
    }
  };
  refuses(in, "is the input folder");
  refuses(in / ".", "is the input folder");
  refuses(in / ".." / "model", "is the input folder");
  refuses(in / "sub", "inside the input folder");
  refuses(in / "new" / "deeper", "inside the input folder");
  refuses(tmp.path(), "contains the input folder");
  fs::create_directories(tmp / "full");
  touch(tmp / "full" / "a");
  refuses(tmp / "full", "not empty");
  touch(tmp / "file");
  refuses(tmp / "file", "not a folder");

  fs::create_directories(tmp / "empty");
  EXPECT_NO_THROW(check_output_folder(in, tmp / "empty"));
  EXPECT_NO_THROW(check_output_folder(in, tmp / "model-q4"));  // a sibling named like the input
}

TEST(AtomicDir, AppearsOnlyOnCommit) {
  TempDir tmp;
  const fs::path out = tmp / "out";
  {
    AtomicDir d(out);
    EXPECT_EQ(d.path().parent_path(), fs::weakly_canonical(tmp.path()));
    touch(d.path() / "a.txt", "hello");
    EXPECT_FALSE(fs::exists(out));
    d.commit();
  }
  EXPECT_EQ(read(out / "a.txt"), "hello");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1)
      << "no temporary folder left behind";
}

TEST(AtomicDir, WithoutCommitNothingChanges) {
  TempDir tmp;
  const fs::path out = tmp / "out";
  fs::create_directories(out);  // an empty destination may be replaced...
  try {
    AtomicDir d(out);
    touch(d.path() / "model.safetensors");
    throw IoError("disk full");  // ...but a failure leaves it as it was
  } catch (const IoError&) {
  }
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(fs::is_empty(out));
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1);

  AtomicDir d(out);
  touch(d.path() / "b");
  d.commit();
  EXPECT_TRUE(fs::exists(out / "b"));
}

TEST(AtomicDir, CommitRefusesADestinationFilledMeanwhile) {
  TempDir tmp;
  const fs::path out = tmp / "out";
  AtomicDir d(out);
  touch(d.path() / "new");
  fs::create_directories(out);
  touch(out / "precious", "keep");
  EXPECT_THROW(d.commit(), IoError);
  EXPECT_EQ(read(out / "precious"), "keep");
  EXPECT_FALSE(fs::exists(out / "new"));
}

TEST(AtomicDir, MissingParentIsAnIoError) {
  TempDir tmp;
  EXPECT_THROW(AtomicDir(tmp / "no" / "such" / "out"), IoError);
}

}  // namespace
}  // namespace slimlm::io
