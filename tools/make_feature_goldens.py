#!/usr/bin/env python3
"""Golden logits from transformers for model features the fixtures lack.

The fixtures (tools/fixture_configs.py) cover Llama and Qwen2 with default RoPE and full
attention. This script builds tiny checkpoints with random weights of a realistic scale for the
rest of what slimlm's model/ implements, and records transformers' outputs for them:
  llama-llama3-rope     rope_scaling llama3 (positions past original_max_position_embeddings),
                        GQA, head_dim 16 with hidden 48 (q_dim 64 != hidden)
  llama-linear-bias     rope_scaling linear, attention_bias (q/k/v/o) and mlp_bias, tied head
  mistral-window        MistralForCausalLM, sliding_window 8 < T, GQA 4/1
  qwen2-window          Qwen2 use_sliding_window with max_window_layers 1 (layers 1, 2 windowed)
Each goes to <out>/<variant>/: config.json (as written by save_pretrained, or in the older
rope_theta/rope_scaling spelling where CONFIG_STYLE says v4), model.safetensors (bf16),
golden.safetensors: ids i32 [T], logits f32 [T, V] and hidden_<k> f32 [T, C] for k = 0..L
(model(ids, output_hidden_states=True), float32, eager attention, TF32 off).

  python3 tools/make_feature_goldens.py [--out tests/model/golden] [--device cuda]
"""

import argparse
import json
import math
from pathlib import Path

VARIANTS = {
    "llama-llama3-rope": dict(
        architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=48,
        intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        head_dim=16, vocab_size=64, max_position_embeddings=256, rms_norm_eps=1e-5,
        rope_theta=500000.0,
        rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                          high_freq_factor=4.0, original_max_position_embeddings=32),
        tie_word_embeddings=False, hidden_act="silu", bos_token_id=1, eos_token_id=2),
    "llama-linear-bias": dict(
        architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=64,
        intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
        vocab_size=64, max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0,
        rope_scaling=dict(type="linear", factor=4.0), attention_bias=True, mlp_bias=True,
        tie_word_embeddings=True, hidden_act="silu", bos_token_id=1, eos_token_id=2),
    "mistral-window": dict(
        architectures=["MistralForCausalLM"], model_type="mistral", hidden_size=64,
        intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
        head_dim=16, vocab_size=64, max_position_embeddings=512, rms_norm_eps=1e-5,
        rope_theta=10000.0, sliding_window=8, tie_word_embeddings=False, hidden_act="silu",
        bos_token_id=1, eos_token_id=2),
    "qwen2-window": dict(
        architectures=["Qwen2ForCausalLM"], model_type="qwen2", hidden_size=64,
        intermediate_size=128, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=64, max_position_embeddings=512, rms_norm_eps=1e-6, rope_theta=1000000.0,
        use_sliding_window=True, sliding_window=8, max_window_layers=1, tie_word_embeddings=True,
        hidden_act="silu", bos_token_id=0, eos_token_id=0),
}
# Which spelling of the config the C++ side reads: v5 = save_pretrained's (rope_parameters),
# v4 = the hub's older rope_theta / rope_scaling keys, written back after saving.
CONFIG_STYLE = {"llama-llama3-rope": "v5", "llama-linear-bias": "v4", "mistral-window": "v5",
                "qwen2-window": "v4"}
TOKENS = 40
SEED = 20261122


def init_weights(model, gen):
    import torch
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif "embed_tokens" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/model/golden")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    import torch
    import transformers
    from safetensors.torch import save_file
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = args.device if torch.cuda.is_available() else "cpu"
    for i, (name, cfg) in enumerate(VARIANTS.items()):
        out = Path(args.out) / name
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        config = AutoConfig.from_pretrained(out)
        gen = torch.Generator().manual_seed(SEED + i)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        init_weights(model, gen)
        model.to(torch.bfloat16).save_pretrained(out)
        if CONFIG_STYLE[name] == "v4":
            (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
        model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32,
                                                     attn_implementation="eager").to(device).eval()
        ids = torch.randint(0, cfg["vocab_size"], (TOKENS,), generator=gen)
        with torch.no_grad():
            res = model(input_ids=ids[None].to(device), output_hidden_states=True)
        tensors = {"ids": ids.to(torch.int32), "logits": res.logits[0].float().cpu()}
        for k, h in enumerate(res.hidden_states):
            tensors[f"hidden_{k}"] = h[0].float().cpu()
        meta = {"variant": name, "generator": "tools/make_feature_goldens.py",
                "transformers": transformers.__version__, "torch": torch.__version__,
                "device": device, "config_style": CONFIG_STYLE[name],
                "layer_types": json.dumps(getattr(model.config, "layer_types", None))}
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / "golden.safetensors"),
                  metadata=meta)
        for extra in ("generation_config.json",):
            (out / extra).unlink(missing_ok=True)
        print(name, meta["layer_types"], sorted(p.name for p in out.iterdir()), flush=True)


if __name__ == "__main__":
    main()
