// MappedFile and AtomicFile: the two OS handles under the io layer.
#include <cstring>

#include <gtest/gtest.h>

#include "slimlm/core/error.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/io/mapped_file.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

using slimlm::testing::read_file;
using slimlm::testing::TempDir;
using slimlm::testing::write_file;

size_t entries(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                           std::filesystem::directory_iterator()));
}

TEST(MappedFile, MapsContents) {
  TempDir tmp;
  write_file(tmp / "a.bin", std::string("hello\0world", 11));
  const auto m = MappedFile::open(tmp / "a.bin");
  ASSERT_EQ(m->size(), 11u);
  EXPECT_EQ(std::memcmp(m->data(), "hello\0world", 11), 0);
  EXPECT_EQ(m->path(), tmp / "a.bin");
}

TEST(MappedFile, EmptyFileHasNoBytes) {
  TempDir tmp;
  write_file(tmp / "empty", "");
  const auto m = MappedFile::open(tmp / "empty");
  EXPECT_EQ(m->size(), 0u);
  EXPECT_EQ(m->data(), nullptr);
  EXPECT_TRUE(m->bytes().empty());
}

TEST(MappedFile, ErrorsNameThePath) {
  TempDir tmp;
  try {
    MappedFile::open(tmp / "missing.bin");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find((tmp / "missing.bin").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
  try {
    MappedFile::open(tmp.path());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, CommitReplacesDestination) {
  TempDir tmp;
  write_file(tmp / "out.txt", "old");
  {
    AtomicFile f(tmp / "out.txt");
    f.write("new ");
    f.write(std::string_view("contents"));
    EXPECT_EQ(f.size(), 12u);
    EXPECT_EQ(read_file(tmp / "out.txt"), "old") << "destination untouched before commit";
    EXPECT_EQ(f.temp_path().parent_path(), tmp.path()) << "temp must be beside the destination";
    EXPECT_TRUE(std::filesystem::exists(f.temp_path()));
    f.commit();
  }
  EXPECT_EQ(read_file(tmp / "out.txt"), "new contents");
  EXPECT_EQ(entries(tmp.path()), 1u) << "no temporary file left";
}

TEST(AtomicFile, WithoutCommitLeavesDestinationAndRemovesTemp) {
  TempDir tmp;
  write_file(tmp / "out.txt", "keep me");
  std::filesystem::path temp;
  try {
    AtomicFile f(tmp / "out.txt");
    temp = f.temp_path();
    f.write("half-written");
    throw std::runtime_error("crash mid-write");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_EQ(read_file(tmp / "out.txt"), "keep me");
  EXPECT_EQ(entries(tmp.path()), 1u);
}

TEST(AtomicFile, NewFileAndMissingFolder) {
  TempDir tmp;
  write_text_atomic(tmp / "report.json", "{\"ok\": true}\n");
  EXPECT_EQ(read_file(tmp / "report.json"), "{\"ok\": true}\n");
  try {
    write_text_atomic(tmp / "no-such-dir" / "x.json", "{}");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("x.json"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, CommitTwiceIsAnError) {
  TempDir tmp;
  AtomicFile f(tmp / "x");
  f.commit();
  EXPECT_THROW(f.commit(), IoError);
  EXPECT_THROW(f.write("late"), IoError);
  EXPECT_EQ(read_file(tmp / "x"), "");
}

}  // namespace
}  // namespace slimlm::io
