#include "slimlm/eval/text_stream.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace slimlm::eval {
namespace {

TEST(Utf8, CompletePrefix) {
  EXPECT_EQ(complete_utf8_prefix(""), 0u);
  EXPECT_EQ(complete_utf8_prefix("abc"), 3u);
  EXPECT_EQ(complete_utf8_prefix("a\xC3"), 1u);              // é cut after its lead byte
  EXPECT_EQ(complete_utf8_prefix("a\xC3\xA9"), 3u);
  EXPECT_EQ(complete_utf8_prefix("a\xE2\x82"), 1u);          // € missing its last byte
  EXPECT_EQ(complete_utf8_prefix("a\xE2\x82\xAC"), 4u);
  EXPECT_EQ(complete_utf8_prefix("\xF0\x9F\x98"), 0u);       // 😀 missing a byte
  EXPECT_EQ(complete_utf8_prefix("\xF0\x9F\x98\x80!"), 5u);
  EXPECT_EQ(complete_utf8_prefix("x\xFF"), 2u);              // invalid byte: never completes
}

// Byte-level tokens: each id maps to raw bytes; the decoder either keeps
// invalid UTF-8 or replaces it with U+FFFD as HF decoders do.
std::string raw_decode(const std::map<int32_t, std::string>& vocab, std::span<const int32_t> ids) {
  std::string s;
  for (int32_t id : ids) s += vocab.at(id);
  return s;
}

std::string lossy(const std::string& bytes) {
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    size_t need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (need == 0 || i + need > bytes.size()) {
      out += "\xEF\xBF\xBD";
      i += need == 0 ? 1 : bytes.size() - i;
      continue;
    }
    out += bytes.substr(i, need);
    i += need;
  }
  return out;
}

TEST(TextStream, NeverPrintsPartialCharacters) {
  const std::map<int32_t, std::string> vocab = {
      {0, "caf"}, {1, "\xC3"}, {2, "\xA9"}, {3, " \xF0\x9F"}, {4, "\x98"}, {5, "\x80 ok"}, {6, "!"}};
  const std::vector<int32_t> ids = {0, 1, 2, 3, 4, 5, 6};
  const std::string want = "caf\xC3\xA9 \xF0\x9F\x98\x80 ok!";

  for (bool replace : {false, true}) {
    TextStream stream([&](std::span<const int32_t> s) {
      const std::string raw = raw_decode(vocab, s);
      return replace ? lossy(raw) : raw;
    });
    std::vector<std::string> pieces;
    std::string all;
    for (int32_t id : ids) {
      pieces.push_back(stream.push(id));
      all += pieces.back();
      // Everything printed so far is valid, complete UTF-8 without U+FFFD.
      EXPECT_EQ(complete_utf8_prefix(all), all.size());
      EXPECT_EQ(all.find("\xEF\xBF\xBD"), std::string::npos) << "replace=" << replace;
    }
    all += stream.flush();
    EXPECT_EQ(all, want) << "replace=" << replace;
    EXPECT_EQ(pieces[0], "caf");
    EXPECT_EQ(pieces[1], "");               // half an é
    EXPECT_EQ(pieces[2], "\xC3\xA9");
    EXPECT_EQ(pieces[3], " ");              // the emoji's first two bytes are held
    EXPECT_EQ(pieces[4], "");
    EXPECT_EQ(pieces[5], "\xF0\x9F\x98\x80 ok");
  }
}

TEST(TextStream, FlushReleasesATrailingIncompleteSequence) {
  const std::map<int32_t, std::string> vocab = {{0, "a"}, {1, "\xE2\x82"}};
  TextStream stream([&](std::span<const int32_t> s) { return raw_decode(vocab, s); });
  EXPECT_EQ(stream.push(0), "a");
  EXPECT_EQ(stream.push(1), "");
  EXPECT_EQ(stream.flush(), "\xE2\x82");
  EXPECT_EQ(stream.flush(), "");
  EXPECT_EQ(stream.ids().size(), 2u);
}

}  // namespace
}  // namespace slimlm::eval
