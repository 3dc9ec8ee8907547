#include "slimlm/eval/roofline.h"

#include <gtest/gtest.h>

namespace slimlm::eval {
namespace {

io::ModelConfig bench_like() {
  // bench-llama-26m's shape: C 512, 6 layers, 8 heads, 2 kv-heads, D 64, F 1536, V 8192.
  io::ModelConfig c;
  c.vocab_size = 8192;
  c.hidden_size = 512;
  c.intermediate_size = 1536;
  c.num_hidden_layers = 6;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 2;
  c.head_dim = 64;
  return c;
}

TEST(Roofline, ProjectionShapes) {
  const auto s = projection_shapes(bench_like(), 512, 0);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[1].N, 128);  // k/v: 2 kv-heads × 64
  EXPECT_EQ(s[1].count, 12);
  EXPECT_EQ(projection_shapes(bench_like(), 512, 1).back().what, "lm_head");
}

TEST(Roofline, ForwardFlopsByHand) {
  const io::ModelConfig c = bench_like();
  // Linear parameters per layer: q 512·512 + k,v 2·128·512 + o 512·512 + mlp 3·1536·512.
  const double per_layer = 512.0 * 512 * 2 + 2.0 * 128 * 512 + 3.0 * 1536 * 512;
  const double linear = 6 * per_layer;
  EXPECT_DOUBLE_EQ(linear, 6 * (524288.0 + 131072 + 2359296));
  const int64_t T = 512;
  const double attn = 6 * 2.0 * 2.0 * 8 * 64 * (512.0 * 513 / 2);
  EXPECT_DOUBLE_EQ(forward_flops(c, T, 0), 2 * linear * T + attn);
  EXPECT_DOUBLE_EQ(forward_flops(c, T, 1), 2 * linear * T + attn + 2.0 * 8192 * 512);
  EXPECT_DOUBLE_EQ(forward_flops(c, T, T), 2 * linear * T + attn + 2.0 * 8192 * 512 * T);

  io::ModelConfig w = c;
  w.sliding_window = 4;
  // Σ_t min(t+1, 4) over 10 tokens = 1+2+3+4·7 = 34.
  EXPECT_DOUBLE_EQ(forward_flops(w, 10, 0), 2 * linear * 10 + 6 * 2.0 * 2.0 * 8 * 64 * 34);
}

TEST(Roofline, DecodeBytes) {
  const io::ModelConfig c = bench_like();
  const double linear = 6 * (524288.0 + 131072 + 2359296) + 8192.0 * 512;  // + lm_head
  const double norms = 512.0 * 13;
  const double emb_row = 512.0;
  EXPECT_DOUBLE_EQ(decode_bytes_per_token(c, 4.0, 0), 4.0 * (linear + norms + emb_row));
  // 100 cached tokens: K and V, 6 layers × 128 floats each.
  EXPECT_DOUBLE_EQ(decode_bytes_per_token(c, 4.0, 100) - decode_bytes_per_token(c, 4.0, 0),
                   2.0 * 6 * 128 * 100 * 4);
}

}  // namespace
}  // namespace slimlm::eval
