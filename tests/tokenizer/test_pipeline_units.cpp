// Unit tests of the pipeline stages on small hand-made tokenizer.json files,
// with expected values worked out by hand from the HF tokenizers semantics.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/pretokenized.h"
#include "slimlm/tokenizer/registry.h"
#include "slimlm/tokenizer/tokenizer.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

using nlohmann::json;

// A char-level BPE over "abc▁" with merges a+b -> ab, ab+c -> abc.
json tiny(json overrides = json::object()) {
  json root = {
      {"version", "1.0"},
      {"added_tokens", json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", nullptr},
      {"post_processor", nullptr},
      {"decoder", nullptr},
      {"model",
       {{"type", "BPE"},
        {"vocab", {{"<unk>", 0}, {"a", 1}, {"b", 2}, {"c", 3}, {"ab", 4}, {"abc", 5}, {"\xE2\x96\x81", 6}, {" ", 7},
                   {"<0x41>", 8}, {"<0xC3>", 9}, {"<0xA9>", 10}, {"bc", 11}}},
        {"merges", {"a b", "ab c"}},
        {"unk_token", "<unk>"}}}};
  root.merge_patch(overrides);
  return root;
}

Tokenizer make(const json& j) { return Tokenizer::from_json(j.dump(), "tiny.json"); }
std::vector<int32_t> enc(const Tokenizer& t, std::string_view s, bool special = false) { return t.encode(s, special); }

TEST(Bpe, MergesInRankOrderAndBothMergeForms) {
  const auto t = make(tiny());
  EXPECT_EQ(enc(t, "abc"), (std::vector<int32_t>{5}));
  EXPECT_EQ(enc(t, "abcab"), (std::vector<int32_t>{5, 4}));
  EXPECT_EQ(enc(t, "cba"), (std::vector<int32_t>{3, 2, 1}));
  json pairs = tiny();
  pairs["model"]["merges"] = json::array({json::array({"a", "b"}), json::array({"ab", "c"})});
  EXPECT_EQ(enc(make(pairs), "abcab"), (std::vector<int32_t>{5, 4}));
}

TEST(Bpe, LowerRankWinsOverLeftmost) {
  // "abc": b+c has rank 0 here, so "a" + "bc" although a+b is further left.
  json j = tiny();
  j["model"]["merges"] = {"b c", "a b", "ab c"};
  EXPECT_EQ(enc(make(j), "abc"), (std::vector<int32_t>{1, 11}));
}

TEST(Bpe, IgnoreMergesTakesWholeWord) {
  json j = tiny();
  j["model"]["vocab"]["ca"] = 12;  // reachable only as a whole word: no merge makes it
  EXPECT_EQ(enc(make(j), "ca"), (std::vector<int32_t>{3, 1}));
  j["model"]["ignore_merges"] = true;
  EXPECT_EQ(enc(make(j), "ca"), (std::vector<int32_t>{12}));
}

TEST(Bpe, UnknownCharactersUnkFuseAndByteFallback) {
  const auto plain = make(tiny());
  EXPECT_EQ(enc(plain, "axxb"), (std::vector<int32_t>{1, 0, 0, 2}));
  json fused = tiny();
  fused["model"]["fuse_unk"] = true;
  EXPECT_EQ(enc(make(fused), "axxb"), (std::vector<int32_t>{1, 0, 2}));
  json fb = tiny();
  fb["model"]["byte_fallback"] = true;
  // "é" = C3 A9 has byte tokens; "x" (0x78) does not and falls to <unk>.
  EXPECT_EQ(enc(make(fb), "a\xC3\xA9x"), (std::vector<int32_t>{1, 9, 10, 0}));
  json none = tiny();
  none["model"]["unk_token"] = nullptr;
  EXPECT_EQ(enc(make(none), "axb"), (std::vector<int32_t>{4}));  // HF drops it; a, b then merge
}

TEST(Bpe, MetaspaceWordsSplitOnlyWhenNoTokenJoinsAcrossTheMeta) {
  // "a▁b" is a token, so "a" and "▁b" must stay in one word and merge.
  const std::string m = "\xE2\x96\x81";
  json j = tiny();
  j["model"]["vocab"][m + "b"] = 30;
  j["model"]["vocab"]["a" + m] = 31;
  j["model"]["vocab"]["a" + m + "b"] = 32;
  j["model"]["merges"] = {"a " + m, "a" + m + " b", m + " b"};
  EXPECT_EQ(enc(make(j), "a" + m + "b" + m + "b"), (std::vector<int32_t>{32, 30}));
  // Without "a▁": words are cut before "▁" and the result is the same as BPE
  // over the whole text.
  j = tiny();
  j["model"]["vocab"][m + "b"] = 30;
  j["model"]["merges"] = {m + " b", "a b"};
  EXPECT_EQ(enc(make(j), "ab" + m + "b" + m + m + "b"), (std::vector<int32_t>{4, 30, 6, 30}));
}

TEST(AddedTokens, SpecialMatchedBeforeModelAndSkippedOnDecode) {
  json j = tiny();
  j["added_tokens"] = {{{"id", 20}, {"content", "<s>"}, {"special", true}, {"normalized", false}},
                       {{"id", 21}, {"content", "cb"}, {"special", false}, {"normalized", true}},
                       {{"id", 99}, {"content", "bc"}, {"special", false}, {"normalized", true}}};
  const auto t = make(j);
  // "bc" is in the model's vocabulary, so it keeps the model's id (11), not 99.
  EXPECT_EQ(enc(t, "a<s>acb"), (std::vector<int32_t>{1, 20, 1, 21}));
  EXPECT_EQ(enc(t, "abc"), (std::vector<int32_t>{1, 11}));  // the added "bc" is cut out before BPE
  EXPECT_EQ(t.vocab_size(), 22);
  EXPECT_EQ(t.decode(std::vector<int32_t>{1, 20, 2}), "a <s> b");  // no decoder: joined with spaces
  EXPECT_EQ(t.decode(std::vector<int32_t>{1, 20, 2}, true), "a b");
  EXPECT_TRUE(t.is_special(20));
  EXPECT_FALSE(t.is_special(21));
  EXPECT_EQ(t.piece_to_id("<s>"), 20);
}

TEST(AddedTokens, LongestMatchWins) {
  json j = tiny();
  j["added_tokens"] = {{{"id", 20}, {"content", "<a>"}, {"special", true}},
                       {{"id", 21}, {"content", "<a>b"}, {"special", true}}};
  EXPECT_EQ(enc(make(j), "<a>bc<a>"), (std::vector<int32_t>{21, 3, 20}));
}

TEST(AddedTokens, SingleWordLstripRstrip) {
  json j = tiny();
  j["added_tokens"] = {{{"id", 20}, {"content", "<m>"}, {"special", true}, {"single_word", true}}};
  // "<m>" inside "a<m>b" is not a single word: the model tokenizes it (unk).
  EXPECT_EQ(enc(make(j), "a<m>b"), (std::vector<int32_t>{1, 0, 0, 0, 2}));
  EXPECT_EQ(enc(make(j), "a <m> b"), (std::vector<int32_t>{1, 7, 20, 7, 2}));
  j["added_tokens"] = {{{"id", 20}, {"content", "<m>"}, {"special", true}, {"lstrip", true}, {"rstrip", true}}};
  EXPECT_EQ(enc(make(j), "a  <m>  b"), (std::vector<int32_t>{1, 20, 2}));
}

TEST(AddedTokens, NormalizedTokensMatchTheirNormalizedForm) {
  json j = tiny();
  j["normalizer"] = {{"type", "Lowercase"}};
  j["added_tokens"] = {{{"id", 20}, {"content", "XY"}, {"special", false}, {"normalized", true}},
                       {{"id", 21}, {"content", "QQ"}, {"special", false}, {"normalized", false}}};
  const auto t = make(j);
  EXPECT_EQ(enc(t, "Xy"), (std::vector<int32_t>{20}));   // "xy" == normalized "XY"
  EXPECT_EQ(enc(t, "qq"), (std::vector<int32_t>{0, 0}));  // raw "QQ" only
  EXPECT_EQ(enc(t, "QQ"), (std::vector<int32_t>{21}));
  EXPECT_EQ(t.decode(std::vector<int32_t>{20}), "xy");  // HF decodes the normalized form
}

TEST(PostProcessor, TemplateAddsBosOnlyWithSpecialTokens) {
  json j = tiny();
  j["added_tokens"] = {{{"id", 20}, {"content", "<s>"}, {"special", true}}};
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                         {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {20}}, {"tokens", {"<s>"}}}}}}};
  const auto t = make(j);
  EXPECT_EQ(enc(t, "ab", true), (std::vector<int32_t>{20, 4}));
  EXPECT_EQ(enc(t, "ab", false), (std::vector<int32_t>{4}));
  EXPECT_EQ(enc(t, "", true), (std::vector<int32_t>{20}));
  EXPECT_TRUE(t.adds_bos());
  EXPECT_EQ(t.bos_id(), 20);
}

// The pieces a pre-tokenizer cuts "text" into.
std::vector<std::string> pieces(const json& pre, std::string_view text) {
  BuildContext ctx{"units"};
  auto p = ctx.pre_tokenizer(pre);
  PreTokenizedString s(text);
  p->pre_tokenize(s);
  std::vector<std::string> out;
  for (const auto& sp : s.splits()) out.emplace_back(s.text(sp));
  return out;
}

using V = std::vector<std::string>;

TEST(PreTokenizer, SplitBehaviors) {
  auto split = [](const char* behavior, bool invert = false) {
    return json{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
  };
  const std::string s = "a-b--c";
  EXPECT_EQ(pieces(split("Removed"), s), (V{"a", "b", "c"}));
  EXPECT_EQ(pieces(split("Isolated"), s), (V{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(pieces(split("MergedWithPrevious"), s), (V{"a-", "b-", "-", "c"}));
  EXPECT_EQ(pieces(split("MergedWithNext"), s), (V{"a", "-b", "-", "-c"}));
  EXPECT_EQ(pieces(split("Contiguous"), s), (V{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(pieces(split("Removed", true), s), (V{"-", "-", "-"}));
  EXPECT_EQ(pieces(split("Contiguous", true), s), (V{"a", "-", "b", "--", "c"}));
}

TEST(PreTokenizer, ByteLevelRegexAndPrefixSpace) {
  const json bl = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  EXPECT_EQ(pieces(bl, "Hello  world's 42!"),
            (V{"Hello", "\xC4\xA0", "\xC4\xA0world", "'s", "\xC4\xA0" "42", "!"}));
  const json prefixed = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}};
  EXPECT_EQ(pieces(prefixed, "Hi\n"), (V{"\xC4\xA0Hi\xC4\x8A"}));
}

TEST(PreTokenizer, DigitsAndMetaspace) {
  EXPECT_EQ(pieces({{"type", "Digits"}, {"individual_digits", true}}, "a123b"), (V{"a", "1", "2", "3", "b"}));
  EXPECT_EQ(pieces({{"type", "Digits"}, {"individual_digits", false}}, "a123b"), (V{"a", "123", "b"}));
  const std::string m = "\xE2\x96\x81";
  const json ms = {{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "always"}, {"split", true}};
  EXPECT_EQ(pieces(ms, "Hey  you"), (V{m + "Hey", m, m + "you"}));
  const json never = {{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "never"}, {"split", false}};
  EXPECT_EQ(pieces(never, "a b"), (V{"a" + m + "b"}));
}

TEST(PreTokenizer, MetaspaceFirstPrependsOnlyAtTextStart) {
  const std::string m = "\xE2\x96\x81";
  json j = tiny();
  j["model"]["vocab"][m + "a"] = 30;
  j["model"]["merges"] = {"a b", "ab c", m + " a"};
  j["added_tokens"] = {{{"id", 20}, {"content", "<s>"}, {"special", true}}};
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "first"}, {"split", true}};
  const auto t = make(j);
  EXPECT_EQ(enc(t, "a<s>a"), (std::vector<int32_t>{30, 20, 1}));
  j["pre_tokenizer"]["prepend_scheme"] = "always";
  EXPECT_EQ(enc(make(j), "a<s>a"), (std::vector<int32_t>{30, 20, 30}));
}

// What a decoder makes of `tokens`.
std::string decode_with(const json& d, std::vector<std::string> tokens) {
  BuildContext ctx{"units"};
  ctx.decoder(d)->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

TEST(Decoder, Stages) {
  EXPECT_EQ(decode_with({{"type", "ByteFallback"}}, {"<0x41>", "<0xC3>", "<0xA9>", "x"}), "A\xC3\xA9x");
  // An invalid byte run becomes one U+FFFD per byte.
  EXPECT_EQ(decode_with({{"type", "ByteFallback"}}, {"<0xC3>", "<0x41>"}), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(decode_with({{"type", "ByteFallback"}}, {"<0xC3>", "y"}), "\xEF\xBF\xBDy");
  EXPECT_EQ(decode_with({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1}}, {"  a  "}), " a ");
  EXPECT_EQ(decode_with({{"type", "Replace"}, {"pattern", {{"String", "_"}}}, {"content", " "}}, {"a_b", "_c"}),
            "a b c");
  const std::string m = "\xE2\x96\x81";
  EXPECT_EQ(decode_with({{"type", "Metaspace"}, {"replacement", m}, {"prepend_scheme", "always"}},
                        {m + "Hey", m + "friend"}),
            "Hey friend");
  EXPECT_EQ(decode_with({{"type", "ByteLevel"}}, {"\xC4\xA0" "caf\xC3\x83", "\xC2\xA9"}), " caf\xC3\xA9");
  // Bytes that end mid-character decode to U+FFFD, not garbage.
  EXPECT_EQ(decode_with({{"type", "ByteLevel"}}, {"\xC3\x83"}), "\xEF\xBF\xBD");
}

TEST(Normalizer, UnicodeFormsLowercaseStripReplace) {
  BuildContext ctx{"units"};
  auto run = [&](const json& j, std::string s) {
    ctx.normalizer(j)->normalize(s);
    return s;
  };
  EXPECT_EQ(run({{"type", "NFC"}}, "e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(run({{"type", "NFD"}}, "\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(run({{"type", "NFKC"}}, "\xEF\xAC\x81"), "fi");  // the "ﬁ" ligature
  EXPECT_EQ(run({{"type", "Lowercase"}}, "\xC3\x84pfel \xC4\xB0"), "\xC3\xA4pfel i\xCC\x87");
  EXPECT_EQ(run({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, " \t x "), "x ");
  EXPECT_EQ(run({{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", "_"}}, "a  b\tc"), "a_b_c");
  EXPECT_EQ(run({{"type", "Sequence"},
                 {"normalizers", {{{"type", "Prepend"}, {"prepend", ">"}}, {{"type", "Lowercase"}}}}},
                "AB"),
            ">ab");
}

TEST(Unicode, LossyUtf8MatchesRust) {
  std::string out;
  append_utf8_lossy(out, "a\xF0\x9F\x98" "b\xFF\xE2\x82\xAC");
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xE2\x82\xAC");
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC plain"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // a surrogate
  const auto t = make(tiny());
  EXPECT_EQ(enc(t, "a\xFF"), (std::vector<int32_t>{1, 0}));  // invalid input reads as U+FFFD
}

}  // namespace
}  // namespace slimlm::tokenizer
