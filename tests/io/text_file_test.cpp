#include "slimlm/io/text_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "slimlm/core/error.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

using ::testing::HasSubstr;
using slimlm::testing::TempDir;

TEST(ReadTextFile, ReturnsEveryByte) {
  TempDir tmp;
  const std::string bytes = std::string("line one\r\nzero\0byte\n\xc3\xa9", 22);
  slimlm::testing::write_file(tmp / "t.txt", bytes);
  EXPECT_EQ(read_text_file(tmp / "t.txt"), bytes);
  slimlm::testing::write_file(tmp / "empty.txt", "");
  EXPECT_EQ(read_text_file(tmp / "empty.txt"), "");
}

TEST(ReadTextFile, MissingFileOrFolderIsAnIoErrorNamingIt) {
  TempDir tmp;
  for (const auto& p : {tmp / "missing.txt", tmp.path()}) {
    try {
      read_text_file(p);
      FAIL() << "expected IoError for " << p;
    } catch (const IoError& e) {
      EXPECT_THAT(e.what(), HasSubstr(p.string() + ": no such file"));
    }
  }
}

}  // namespace
}  // namespace slimlm::io
