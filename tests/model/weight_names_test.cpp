#include "slimlm/model/weight_names.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "slimlm/io/hf_config.h"

namespace slimlm::model {
namespace {

TEST(WeightNames, PatternsMatchOnlyDecimalLayerIndices) {
  EXPECT_TRUE(matches_pattern("model.layers.{i}.mlp.up_proj.weight", "model.layers.0.mlp.up_proj.weight"));
  EXPECT_TRUE(matches_pattern("model.layers.{i}.mlp.up_proj.weight", "model.layers.31.mlp.up_proj.weight"));
  EXPECT_FALSE(matches_pattern("model.layers.{i}.mlp.up_proj.weight", "model.layers..mlp.up_proj.weight"));
  EXPECT_FALSE(matches_pattern("model.layers.{i}.mlp.up_proj.weight", "model.layers.x.mlp.up_proj.weight"));
  EXPECT_FALSE(matches_pattern("model.layers.{i}.mlp.up_proj.weight", "model.layers.1.mlp.up_proj.bias"));
  EXPECT_TRUE(matches_pattern("model.norm.weight", "model.norm.weight"));
  EXPECT_FALSE(matches_pattern("model.norm.weight", "model.norm.weights"));
}

TEST(WeightNames, EveryArchitectureHasATable) {
  for (const auto& info : io::supported_architectures()) {
    const ArchitectureSpec& spec = architecture_spec(info.id);
    EXPECT_EQ(spec.arch, info.id);
    EXPECT_FALSE(spec.weights.empty());
    std::set<std::string> names;
    for (const auto& w : spec.weights) {
      EXPECT_TRUE(names.insert(weight_name(w, 3)).second) << "duplicate " << w.pattern;
    }
  }
}

TEST(WeightNames, Qwen2ConfigSelectsBiasesAndTiedHead) {
  const auto c = io::parse_hf_config(R"({"architectures": ["Qwen2ForCausalLM"], "vocab_size": 10,
      "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 2,
      "num_attention_heads": 2, "num_key_value_heads": 1, "tie_word_embeddings": true})",
                                     "config.json");
  std::set<std::string> used;
  std::map<std::string, Shape> shapes;
  for (const auto& w : architecture_spec(c.arch).weights) {
    if (!weight_used(w, c)) continue;
    const std::string n = weight_name(w, 1);
    used.insert(n);
    shapes[n] = weight_shape(w, c);
  }
  EXPECT_TRUE(used.count("model.layers.1.self_attn.q_proj.bias"));
  EXPECT_TRUE(used.count("model.layers.1.self_attn.v_proj.bias"));
  EXPECT_FALSE(used.count("model.layers.1.self_attn.o_proj.bias"));
  EXPECT_FALSE(used.count("model.layers.1.mlp.up_proj.bias"));
  EXPECT_FALSE(used.count("lm_head.weight"));
  EXPECT_EQ(used.size(), 1u + 12 + 1);  // embed, 9 weights + 3 biases per layer, norm
  EXPECT_EQ(shapes["model.layers.1.self_attn.k_proj.weight"], (Shape{4, 8}));
  EXPECT_EQ(shapes["model.layers.1.self_attn.k_proj.bias"], (Shape{4}));
  EXPECT_EQ(shapes["model.layers.1.self_attn.o_proj.weight"], (Shape{8, 8}));
  EXPECT_EQ(shapes["model.layers.1.mlp.down_proj.weight"], (Shape{8, 12}));
  EXPECT_EQ(shapes["model.embed_tokens.weight"], (Shape{10, 8}));
}

TEST(WeightNames, LlamaAttentionBiasIncludesOutputProjection) {
  const auto c = io::parse_hf_config(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10,
      "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 1,
      "num_attention_heads": 2, "attention_bias": true, "mlp_bias": true})",
                                     "config.json");
  std::set<std::string> used;
  for (const auto& w : architecture_spec(c.arch).weights) {
    if (weight_used(w, c)) used.insert(weight_name(w, 0));
  }
  EXPECT_TRUE(used.count("model.layers.0.self_attn.o_proj.bias"));
  EXPECT_TRUE(used.count("model.layers.0.mlp.down_proj.bias"));
  EXPECT_TRUE(used.count("lm_head.weight"));
  EXPECT_EQ(used.size(), 1u + 16 + 2);
}

}  // namespace
}  // namespace slimlm::model
