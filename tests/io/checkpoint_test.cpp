// Model folders: single file, sharded with an index, lone *.safetensors, and
// the ways an index and its shards can disagree.
#include <gtest/gtest.h>

#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/parameter_count.h"
#include "slimlm/io/safetensors_writer.h"
#include "test_util.h"
#include "tiny_model.h"

namespace slimlm::io {
namespace {

using slimlm::testing::TempDir;
using slimlm::testing::write_file;

Tensor filled(Shape shape, float v) {
  Tensor t = Tensor::empty(DType::kF32, std::move(shape));
  for (uint64_t i = 0; i < t.numel(); ++i) t.mutable_data<float>()[i] = v + static_cast<float>(i);
  return t;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Checkpoint, SingleFile) {
  TempDir tmp;
  write_safetensors(tmp / "model.safetensors", {{"a", filled({2, 3}, 1)}, {"b", filled({4}, 10)}});
  const auto c = Checkpoint::open(tmp.path());
  EXPECT_EQ(c.tensor_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(c.index_path());
  ASSERT_EQ(c.files().size(), 1u);
  EXPECT_EQ(c.files()[0].tensors, 2u);
  EXPECT_EQ(c.total_bytes(), std::filesystem::file_size(tmp / "model.safetensors"));
  EXPECT_EQ(c.tensor("b").data<float>()[3], 13.0f);
  EXPECT_EQ(c.info("a").shape, (Shape{2, 3}));
  EXPECT_TRUE(c.contains("a"));
  EXPECT_FALSE(c.contains("z"));
  const std::string msg = error_of([&] { c.tensor("z"); });
  EXPECT_NE(msg.find("'z'"), std::string::npos) << msg;
}

TEST(Checkpoint, ShardedThroughIndex) {
  TempDir tmp;
  const auto cfg = testing::write_tiny_model(tmp.path(), testing::tiny_llama_config(), {.shards = 3});
  const auto c = Checkpoint::open(tmp.path());
  ASSERT_TRUE(c.index_path());
  EXPECT_EQ(c.index_path()->filename(), "model.safetensors.index.json");
  ASSERT_EQ(c.files().size(), 3u);
  EXPECT_EQ(c.files()[0].path.filename(), "model-00001-of-00003.safetensors");
  uint64_t bytes = 0;
  size_t tensors = 0;
  for (const auto& f : c.files()) {
    bytes += std::filesystem::file_size(f.path);
    tensors += f.tensors;
  }
  EXPECT_EQ(c.total_bytes(), bytes);
  const auto shapes = testing::hf_weight_shapes(cfg);
  ASSERT_EQ(c.size(), shapes.size());
  EXPECT_EQ(tensors, shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    EXPECT_EQ(c.tensor_names()[i], shapes[i].first);
    EXPECT_EQ(c.info(shapes[i].first).shape, shapes[i].second);
  }
  EXPECT_EQ(c.file_of("lm_head.weight").path().filename(), "model-00003-of-00003.safetensors");
  EXPECT_EQ(count_parameters(c, false).total(), expected_parameter_count(cfg));
}

TEST(Checkpoint, LoneSafetensorsFile) {
  TempDir tmp;
  write_safetensors(tmp / "weights.safetensors", {{"x", filled({2}, 0)}});
  const auto c = Checkpoint::open(tmp.path());
  EXPECT_EQ(c.files()[0].path.filename(), "weights.safetensors");
}

TEST(Checkpoint, NoWeightsIsIoError) {
  TempDir tmp;
  write_file(tmp / "config.json", "{}");
  EXPECT_THROW(Checkpoint::open(tmp.path()), IoError);
  const std::string msg = error_of([&] { Checkpoint::open(tmp.path()); });
  EXPECT_NE(msg.find("no weights in " + tmp.path().string()), std::string::npos) << msg;

  EXPECT_THROW(Checkpoint::open(tmp / "absent"), IoError);
  EXPECT_THROW(Checkpoint::open(tmp / "config.json"), IoError);
}

TEST(Checkpoint, SeveralFilesWithoutIndexIsIoError) {
  TempDir tmp;
  write_safetensors(tmp / "a.safetensors", {{"x", filled({2}, 0)}});
  write_safetensors(tmp / "b.safetensors", {{"y", filled({2}, 0)}});
  const std::string msg = error_of([&] { Checkpoint::open(tmp.path()); });
  EXPECT_NE(msg.find("2 *.safetensors files"), std::string::npos) << msg;
  EXPECT_THROW(Checkpoint::open(tmp.path()), IoError);
}

class BadIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    write_safetensors(tmp / "s1.safetensors", {{"a", filled({2}, 0)}, {"b", filled({2}, 0)}});
    write_safetensors(tmp / "s2.safetensors", {{"c", filled({2}, 0)}});
  }
  std::string open_with_index(const std::string& json) {
    write_file(tmp / "model.safetensors.index.json", json);
    try {
      Checkpoint::open(tmp.path());
    } catch (const FormatError& e) {
      return e.what();
    }
    return "(no FormatError)";
  }
  TempDir tmp;
};

TEST_F(BadIndex, ConsistentIndexOpens) {
  EXPECT_EQ(open_with_index(
                R"({"metadata":{},"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s2.safetensors"}})"),
            "(no FormatError)");
}

TEST_F(BadIndex, MissingShard) {
  const auto msg = open_with_index(R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s9.safetensors"}})");
  EXPECT_NE(msg.find("s9.safetensors, which does not exist"), std::string::npos) << msg;
}

TEST_F(BadIndex, TensorNotInItsShard) {
  const auto msg = open_with_index(
      R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s2.safetensors","d":"s2.safetensors"}})");
  EXPECT_NE(msg.find("tensor 'd' is mapped to s2.safetensors but that shard does not hold it"), std::string::npos)
      << msg;
}

TEST_F(BadIndex, TensorMappedToTheWrongShard) {
  const auto msg = open_with_index(R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s1.safetensors"}})");
  EXPECT_NE(msg.find("tensor 'c'"), std::string::npos) << msg;
}

TEST_F(BadIndex, TensorInTwoShards) {
  write_safetensors(tmp / "s2.safetensors", {{"c", filled({2}, 0)}, {"a", filled({2}, 0)}});
  const auto msg = open_with_index(R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s2.safetensors"}})");
  EXPECT_NE(msg.find("tensor 'a' is in both s1.safetensors and s2.safetensors"), std::string::npos) << msg;
}

TEST_F(BadIndex, TensorMissingFromWeightMap) {
  const auto msg = open_with_index(R"({"weight_map":{"a":"s1.safetensors","c":"s2.safetensors"}})");
  EXPECT_NE(msg.find("tensor 'b' in s1.safetensors is missing from the weight_map"), std::string::npos) << msg;
}

TEST_F(BadIndex, ShardPathOutsideFolder) {
  const auto msg = open_with_index(R"({"weight_map":{"a":"../s1.safetensors"}})");
  EXPECT_NE(msg.find("not a file name in the model folder"), std::string::npos) << msg;
}

TEST_F(BadIndex, NotJsonOrNoWeightMap) {
  EXPECT_NE(open_with_index("{oops").find("not valid JSON"), std::string::npos);
  EXPECT_NE(open_with_index(R"({"metadata":{}})").find("weight_map"), std::string::npos);
}

TEST_F(BadIndex, MalformedShardNamesTheShard) {
  write_file(tmp / "s2.safetensors", "garbage!");
  const auto msg = open_with_index(R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s2.safetensors"}})");
  EXPECT_NE(msg.find("s2.safetensors"), std::string::npos) << msg;
}

}  // namespace
}  // namespace slimlm::io
