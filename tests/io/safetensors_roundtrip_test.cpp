// Writer -> reader round trips, byte-exact layout and zero-copy reads.
#include <cstring>
#include <numeric>

#include <gtest/gtest.h>

#include "slimlm/core/error.h"
#include "slimlm/io/safetensors_reader.h"
#include "slimlm/io/safetensors_writer.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

using slimlm::testing::TempDir;

// A tensor whose bytes are a position-dependent pattern, so a misplaced or
// truncated range changes the bytes compared.
Tensor patterned(DType dtype, Shape shape, uint8_t salt) {
  Tensor t = Tensor::empty(dtype, std::move(shape));
  auto* p = static_cast<uint8_t*>(t.mutable_raw_data());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<uint8_t>(i * 31 + salt);
  if (dtype == DType::kBool) {
    for (size_t i = 0; i < t.nbytes(); ++i) p[i] &= 1;
  }
  return t;
}

TEST(SafetensorsRoundTrip, AllDtypesZeroSizeAndMetadata) {
  TempDir tmp;
  NamedTensors in;
  uint8_t salt = 0;
  for (const auto& tr : all_dtypes()) {
    if (tr.safetensors_name.empty()) continue;
    in.emplace_back("t." + std::string(tr.name), patterned(tr.id, {3, 5}, salt++));
  }
  ASSERT_EQ(in.size(), 15u);  // every safetensors dtype
  in.emplace_back("empty.rows", patterned(DType::kF32, {0, 7}, 0));
  in.emplace_back("empty.1d", patterned(DType::kBF16, {0}, 0));
  in.emplace_back("scalar", patterned(DType::kF64, {}, 9));
  in.emplace_back("after.empty", patterned(DType::kI8, {4, 1, 3}, 5));
  const std::map<std::string, std::string> meta = {{"format", "pt"}, {"note", "ünïcode ✓"}};

  const auto path = tmp / "all.safetensors";
  write_safetensors(path, in, meta);
  const auto f = SafetensorsFile::open(path);

  ASSERT_EQ(f->names().size(), in.size());
  EXPECT_EQ(f->metadata(), meta);
  uint64_t expect_begin = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto& [name, t] = in[i];
    EXPECT_EQ(f->names()[i], name) << "header order must be the order given";
    const auto& info = f->info(name);
    EXPECT_EQ(info.dtype, t.dtype()) << name;
    EXPECT_EQ(info.shape, t.shape()) << name;
    EXPECT_EQ(info.begin, expect_begin) << name << ": tensors must be back to back";
    EXPECT_EQ(info.nbytes(), t.nbytes()) << name;
    expect_begin += t.nbytes();
    const Tensor r = f->tensor(name);
    EXPECT_EQ(r.dtype(), t.dtype());
    EXPECT_EQ(r.shape(), t.shape());
    ASSERT_EQ(r.nbytes(), t.nbytes());
    if (t.nbytes()) {
      EXPECT_EQ(std::memcmp(r.raw_data(), t.raw_data(), t.nbytes()), 0) << name;
    }
  }
  EXPECT_EQ(f->header().data_bytes, expect_begin);
  EXPECT_EQ(f->header().header_bytes % 8, 0u);
  EXPECT_EQ(f->header().data_offset % 8, 0u);
  EXPECT_EQ(f->file_bytes(), f->header().data_offset + expect_begin);
}

TEST(SafetensorsRoundTrip, HeaderBytesMatchHuggingFaceLayout) {
  // What safetensors.torch.save_file({"a": zeros(2), "b": zeros(1, dtype=int8)},
  // metadata={"format": "pt"}) writes when the dict is in this order: compact JSON,
  // keys dtype/shape/data_offsets, space padding to a multiple of 8.
  NamedTensors in;
  in.emplace_back("a", Tensor::zeros(DType::kF32, {2}));
  in.emplace_back("b", Tensor::zeros(DType::kI8, {1}));
  const std::string json =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"I8","shape":[1],"data_offsets":[8,9]}})";
  std::string padded = json + std::string((8 - json.size() % 8) % 8, ' ');
  const std::string expect = testing::le64(padded.size()) + padded;
  EXPECT_EQ(safetensors_header_bytes(in, {{"format", "pt"}}), expect);

  TempDir tmp;
  write_safetensors(tmp / "x.safetensors", in, {{"format", "pt"}});
  const std::string bytes = testing::read_file(tmp / "x.safetensors");
  ASSERT_EQ(bytes.size(), expect.size() + 9);
  EXPECT_EQ(bytes.substr(0, expect.size()), expect);
  EXPECT_EQ(bytes.substr(expect.size()), std::string(9, '\0'));
}

TEST(SafetensorsRoundTrip, EmptyFileHasNoMetadataKey) {
  TempDir tmp;
  write_safetensors(tmp / "e.safetensors", {});
  const std::string bytes = testing::read_file(tmp / "e.safetensors");
  EXPECT_EQ(bytes, testing::le64(8) + "{}      ");
  const auto f = SafetensorsFile::open(tmp / "e.safetensors");
  EXPECT_TRUE(f->names().empty());
  EXPECT_TRUE(f->metadata().empty());
}

TEST(SafetensorsZeroCopy, TensorsViewTheMapping) {
  TempDir tmp;
  NamedTensors in;
  in.emplace_back("w", patterned(DType::kF32, {16, 16}, 3));
  in.emplace_back("b", patterned(DType::kF16, {16}, 4));
  write_safetensors(tmp / "m.safetensors", in);

  Tensor w;
  const uint8_t* map_begin = nullptr;
  const uint8_t* map_end = nullptr;
  {
    const auto f = SafetensorsFile::open(tmp / "m.safetensors");
    map_begin = f->mapping()->data();
    map_end = map_begin + f->mapping()->size();
    w = f->tensor("w");
    const auto* p = static_cast<const uint8_t*>(w.raw_data());
    EXPECT_GE(p, map_begin);
    EXPECT_LE(p + w.nbytes(), map_end);
    EXPECT_EQ(p, map_begin + f->file_offset("w"));
    EXPECT_FALSE(w.owns_memory());
    EXPECT_FALSE(w.writable());
    EXPECT_THROW(w.mutable_raw_data(), Error);
    EXPECT_TRUE(f->contains("b"));
    EXPECT_FALSE(f->contains("c"));
  }
  // The view keeps the mapping alive after the file object is gone.
  EXPECT_EQ(std::memcmp(w.raw_data(), in[0].second.raw_data(), w.nbytes()), 0);
}

TEST(SafetensorsReader, MissingTensorNamesFileAndTensor) {
  TempDir tmp;
  write_safetensors(tmp / "m.safetensors", {{"w", Tensor::zeros(DType::kF32, {2})}});
  const auto f = SafetensorsFile::open(tmp / "m.safetensors");
  try {
    f->tensor("nope");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("m.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsWriter, RejectsRepeatedAndReservedNames) {
  TempDir tmp;
  NamedTensors dup = {{"x", Tensor::zeros(DType::kF32, {1})}, {"x", Tensor::zeros(DType::kF32, {1})}};
  EXPECT_THROW(write_safetensors(tmp / "d.safetensors", dup), ConfigError);
  NamedTensors reserved = {{"__metadata__", Tensor::zeros(DType::kF32, {1})}};
  EXPECT_THROW(write_safetensors(tmp / "r.safetensors", reserved), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(tmp / "d.safetensors"));
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "no temporary file may be left behind";
}

TEST(SafetensorsWriter, ReplacesAnExistingFileAtomically) {
  TempDir tmp;
  const auto path = tmp / "m.safetensors";
  write_safetensors(path, {{"old", Tensor::zeros(DType::kF32, {4})}});
  const auto before = SafetensorsFile::open(path);  // a reader still mapping the old file
  write_safetensors(path, {{"new", patterned(DType::kU8, {3}, 1)}});
  const auto after = SafetensorsFile::open(path);
  EXPECT_EQ(after->names(), std::vector<std::string>{"new"});
  EXPECT_EQ(before->names(), std::vector<std::string>{"old"});
  const Tensor old = before->tensor("old");
  EXPECT_EQ(old.data<float>()[3], 0.0f);  // the old mapping is still intact
}

}  // namespace
}  // namespace slimlm::io
