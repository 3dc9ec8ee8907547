// SHA-256 against the FIPS 180-4 / NIST example vectors, incremental updates
// at every split, files, and model-folder digests.
#include "slimlm/registry/hashing.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "slimlm/core/cpu_features.h"
#include "slimlm/core/error.h"
#include "slimlm/registry/sha256_hw.h"
#include "test_util.h"

namespace slimlm::registry {
namespace {

using slimlm::testing::TempDir;
using slimlm::testing::write_file;

constexpr const char* k448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr const char* k896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_text(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // 448 bits: the length no longer fits the block, padding takes a second one.
  EXPECT_EQ(sha256_text(k448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_text(k896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_text(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesAtEverySplitMatchOneShot) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += static_cast<char>('0' + i % 75);
  const std::string whole = sha256_text(text);
  for (size_t a = 0; a <= text.size(); a += 7) {
    for (size_t b = a; b <= text.size(); b += 13) {
      Sha256 h;
      h.update(std::string_view(text).substr(0, a));
      h.update(std::string_view(text).substr(a, b - a));
      h.update(std::string_view(text).substr(b));
      ASSERT_EQ(h.hex_digest(), whole) << a << " " << b;
    }
  }
}

// The SHA-NI path (when this CPU has it) against the portable reference,
// forced by the scalar ISA cap, on random data of every length up to 4 blocks
// and a long run of blocks.
TEST(Sha256, HardwarePathMatchesPortableReference) {
  std::mt19937_64 rng(7);
  std::string data(64 * 4 + 1, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  data += std::string(1 << 16, 'z');
  const auto digests = [&](std::optional<Isa> isa) {
    set_isa_override(isa);
    std::vector<std::string> out;
    for (size_t n = 0; n <= 64 * 4 + 1; ++n) out.push_back(sha256_text(std::string_view(data).substr(0, n)));
    out.push_back(sha256_text(data));
    set_isa_override(std::nullopt);
    return out;
  };
  if (!detail::sha256_hw_available()) GTEST_SKIP() << "no SHA extensions on this CPU: only the portable path runs";
  const auto portable = digests(Isa::kScalar);
  const auto hw = digests(std::nullopt);
  ASSERT_EQ(portable.size(), hw.size());
  for (size_t i = 0; i < hw.size(); ++i) ASSERT_EQ(hw[i], portable[i]) << "length index " << i;
  set_isa_override(Isa::kScalar);
  EXPECT_FALSE(detail::sha256_hw_available());
  EXPECT_EQ(sha256_text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  set_isa_override(std::nullopt);
}

TEST(Sha256, FileDigestAndErrors) {
  TempDir dir;
  write_file(dir / "f.bin", k448);
  EXPECT_EQ(sha256_file(dir / "f.bin"), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Larger than the 1 MiB read size.
  write_file(dir / "big.bin", std::string(1000000 * 3, 'a'));
  EXPECT_EQ(sha256_file(dir / "big.bin"), sha256_text(std::string(1000000 * 3, 'a')));
  try {
    sha256_file(dir / "missing.bin");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.bin"), std::string::npos);
  }
}

TEST(Sha256, ModelFolderCoversNamesSizesAndBytesInNameOrder) {
  TempDir dir;
  const auto model = dir / "model";
  std::filesystem::create_directories(model);
  write_file(model / "tokenizer.json", "{}");
  write_file(model / "model.safetensors", std::string(100, '\0'));
  write_file(model / "config.json", R"({"a":1})");
  write_file(model / "README.md", "not hashed");
  // The digest of "config.json\n7\n{"a":1}model.safetensors\n100\n<100 zeros>tokenizer.json\n2\n{}",
  // computed independently (Python hashlib).
  EXPECT_EQ(sha256_model_folder(model), "06d3cca17ba8877a1ef6c1878cf04cedf2574d0d8d8d78d71abb797f8c8f4237");

  const std::string before = sha256_model_folder(model);
  write_file(model / "README.md", "edited: still not hashed");
  EXPECT_EQ(sha256_model_folder(model), before);
  write_file(model / "model.safetensors", std::string(99, '\0') + "\x01");
  EXPECT_NE(sha256_model_folder(model), before);
  write_file(model / "model.safetensors", std::string(100, '\0'));
  EXPECT_EQ(sha256_model_folder(model), before);
  std::filesystem::rename(model / "model.safetensors", model / "model-00001-of-00001.safetensors");
  EXPECT_NE(sha256_model_folder(model), before);
}

TEST(Sha256, ModelFolderErrorsNameTheFolder) {
  TempDir dir;
  EXPECT_THROW(sha256_model_folder(dir / "absent"), IoError);
  write_file(dir / "notes.txt", "x");
  try {
    sha256_model_folder(dir.path());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path().string()), std::string::npos);
  }
}

}  // namespace
}  // namespace slimlm::registry
