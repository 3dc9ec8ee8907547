#!/usr/bin/env python3
"""Checks structured-pruned fixtures in Hugging Face transformers and writes their golden logits.

Runs on the accelerator machine. Each case is a model folder written by `slimlm prune
--structured ...` (smaller heads / key-value heads / intermediate size / layer count in
config.json). The script loads it with AutoModelForCausalLM in float32 (bf16 weights upcast,
eager attention, no TF32) -- which fails if the pruned config and tensors disagree -- runs the
token ids of slimlm's logits file for the case, compares the logits with slimlm's, and writes
  <out>/<case>/logits.safetensors   ids_<i> i32 [T], logits_<i> f32 [T, V]
with metadata: the case, versions, the xxh64 of the pruned model.safetensors (so that the C++
test can tell whether it regenerated the same weights), config dims, and the largest
difference from slimlm. tests/golden/pruned/README.md documents the cases.

  python3 tools/check_pruned_hf.py --cases DIR --ours DIR --out DIR [--tol 1e-4] [case ...]

--cases holds one folder per case; --ours holds <case>.safetensors with slimlm's ids_<i> and
logits_<i>. Exits 1 when a case does not load or differs from slimlm by more than --tol
(relative to the largest |logit|).
"""

import argparse
import json
import sys
import time
from pathlib import Path


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cases", nargs="*")
    p.add_argument("--cases", dest="cases_dir", required=True)
    p.add_argument("--ours", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--device", default="cuda")
    return p.parse_args()


def xxh64_file(path):
    import xxhash
    h = xxhash.xxh64()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_case(name, folder, ours_path, out_dir, tol, device):
    import torch
    import transformers
    from safetensors.torch import load_file, save_file

    cfg = json.loads((folder / "config.json").read_text())
    model = transformers.AutoModelForCausalLM.from_pretrained(
        str(folder), dtype=torch.float32, attn_implementation="eager").to(device).eval()
    n_params = sum(p.numel() for p in model.parameters())
    ours = load_file(str(ours_path))
    count = sum(1 for k in ours if k.startswith("ids_"))
    tensors, worst, worst_rel, agree, total = {}, 0.0, 0.0, 0, 0
    with torch.no_grad():
        for i in range(count):
            ids = ours[f"ids_{i}"].to(torch.int64)
            logits = model(ids[None].to(device)).logits[0].float().cpu()
            mine = ours[f"logits_{i}"]
            if tuple(mine.shape) != tuple(logits.shape):
                log(f"{name}: prompt {i}: slimlm logits {tuple(mine.shape)} vs transformers {tuple(logits.shape)}")
                return False
            d = (logits - mine).abs().max().item()
            scale = logits.abs().max().item()
            worst = max(worst, d)
            worst_rel = max(worst_rel, d / scale)
            agree += (logits.argmax(-1) == mine.argmax(-1)).sum().item()
            total += logits.shape[0]
            tensors[f"ids_{i}"] = ours[f"ids_{i}"].to(torch.int32).contiguous()
            tensors[f"logits_{i}"] = logits.contiguous()
    ok = worst_rel <= tol
    log(f"{name}: {count} prompts, heads {cfg['num_attention_heads']}/{cfg['num_key_value_heads']}, "
        f"intermediate {cfg['intermediate_size']}, layers {cfg['num_hidden_layers']}, {n_params} parameters; "
        f"max |transformers - slimlm| = {worst:.3g} ({worst_rel:.3g} of max |logit|), "
        f"argmax agrees {agree}/{total} -> {'OK' if ok else 'MISMATCH'}")
    meta = {
        "case": name, "generator": "tools/check_pruned_hf.py", "torch": torch.__version__,
        "transformers": transformers.__version__, "dtype": "float32 (bf16 weights upcast)",
        "count": count, "model_xxh64": xxh64_file(folder / "model.safetensors"),
        "num_attention_heads": cfg["num_attention_heads"], "num_key_value_heads": cfg["num_key_value_heads"],
        "head_dim": cfg.get("head_dim"), "intermediate_size": cfg["intermediate_size"],
        "num_hidden_layers": cfg["num_hidden_layers"], "parameters": n_params,
        "max_abs_diff_vs_slimlm": worst, "max_rel_diff_vs_slimlm": worst_rel,
        "argmax_agreement": f"{agree}/{total}",
    }
    recipe = folder / "recipe.json"
    if recipe.exists():
        meta["recipe_command"] = " ".join(json.loads(recipe.read_text()).get("command", []))
    out = out_dir / name
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "logits.safetensors"), metadata={k: str(v) for k, v in meta.items()})
    return ok


def main():
    args = parse_args()
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = args.device if torch.cuda.is_available() else "cpu"
    cases_dir, ours_dir, out_dir = Path(args.cases_dir), Path(args.ours), Path(args.out)
    names = args.cases or sorted(p.name for p in cases_dir.iterdir() if (p / "config.json").exists())
    ok = True
    for name in names:
        try:
            ok = check_case(name, cases_dir / name, ours_dir / f"{name}.safetensors", out_dir, args.tol, device) and ok
        except Exception as e:  # a case that does not load is the finding
            log(f"{name}: FAILED to load or run in transformers: {type(e).__name__}: {e}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
