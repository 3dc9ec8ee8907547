#!/usr/bin/env python3
"""Writes golden data for the fixture models from Hugging Face transformers.

Runs on the accelerator machine. For every fixture under models/ it loads the checkpoint with
AutoModelForCausalLM / AutoTokenizer in float32 (the bf16 weights upcast, eager attention, no
TF32) and writes to tests/golden/<fixture>/:
  logits.safetensors   ids_<i> i32 [T], logits_<i> f32 [T, V] for the fixed prompts
  hidden.safetensors   ids i32 [T], hidden_<k> f32 [T, C] for k = 0..L as output_hidden_states
                       returns them, last_layer_out f32 [T, C] (layer L-1 before the final norm)
  generate.json        greedy generations of 32 new tokens for every prompt
  perplexity.json      perplexity on tests/data/war-and-peace-heldout.txt, ctx 128 and 256,
                       under the hf and llama.cpp protocols
  tokens.json          token ids of ~50 strings, with and without special tokens
tests/golden/README.md documents every file.

  python3 tools/make_goldens.py [--models models] [--out tests/golden] [fixture ...]
"""

import os

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixture_configs as fc  # noqa: E402
import golden_json  # noqa: E402
from golden_strings import token_cases  # noqa: E402


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("fixtures", nargs="*", default=list(fc.FIXTURES))
    p.add_argument("--models", default="models")
    p.add_argument("--out", default="tests/golden")
    p.add_argument("--text", default=fc.HELDOUT_TEXT)
    p.add_argument("--device", default="cuda")
    return p.parse_args()


def meta(name, extra=None):
    import torch
    import transformers
    m = {"fixture": name, "generator": "tools/make_goldens.py", "torch": torch.__version__,
         "transformers": transformers.__version__, "dtype": "float32 (bf16 weights upcast)"}
    m.update(extra or {})
    return {k: str(v) for k, v in m.items()}


def write_json(path, obj):
    golden_json.write(path, obj)


def save_tensors(path, tensors, metadata):
    from safetensors.torch import save_file
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.contiguous().cpu() for k, v in tensors.items()}, str(tmp), metadata=metadata)
    tmp.replace(path)


def forward_logits(model, ids, device):
    import torch
    with torch.no_grad():
        x = torch.tensor([ids], dtype=torch.long, device=device)
        return model(input_ids=x).logits[0].float()


# ----------------------------------------------------------------------------- goldens

def golden_logits(name, model, tok, device, out):
    import torch
    tensors, prompts = {}, fc.PROMPTS[:fc.LOGIT_PROMPTS[name]]
    for i, prompt in enumerate(prompts):
        ids = tok(prompt)["input_ids"]
        if len(ids) > fc.MAX_LOGIT_TOKENS[name]:
            raise SystemExit(f"make_goldens: prompt {i} of {name} has {len(ids)} tokens, "
                             f"more than {fc.MAX_LOGIT_TOKENS[name]}")
        tensors[f"ids_{i}"] = torch.tensor(ids, dtype=torch.int32)
        tensors[f"logits_{i}"] = forward_logits(model, ids, device)
    md = {f"prompt_{i}": p for i, p in enumerate(prompts)}
    md["count"] = len(prompts)
    save_tensors(out / "logits.safetensors", tensors, meta(name, md))
    return {f"logits_{i}": list(tensors[f"logits_{i}"].shape) for i in range(len(prompts))}


def golden_hidden(name, model, tok, device, out):
    import torch
    prompt = fc.PROMPTS[fc.HIDDEN_PROMPT]
    ids = tok(prompt)["input_ids"]
    x = torch.tensor([ids], dtype=torch.long, device=device)
    captured = {}
    layers = model.model.layers

    def hook(_mod, _inp, output):
        captured["last"] = (output[0] if isinstance(output, tuple) else output).detach()

    handle = layers[-1].register_forward_hook(hook)
    with torch.no_grad():
        res = model(input_ids=x, output_hidden_states=True)
        embeds = model.model.embed_tokens(x)
    handle.remove()
    hs = res.hidden_states
    n_layers = len(layers)
    if len(hs) != n_layers + 1:
        raise SystemExit(f"make_goldens: {len(hs)} hidden states for {n_layers} layers")
    last = captured["last"][0].float()
    with torch.no_grad():
        normed = model.model.norm(captured["last"])[0].float()
    facts = {
        "k0_is_embeddings": bool(torch.equal(hs[0][0], embeds[0])),
        "kL_is_after_final_norm": bool(torch.allclose(hs[-1][0], normed, atol=1e-6, rtol=0)),
        "kL_is_before_final_norm": bool(torch.allclose(hs[-1][0], last, atol=1e-6, rtol=0)),
    }
    log(f"{name}: hidden states {facts}")
    tensors = {"ids": torch.tensor(ids, dtype=torch.int32), "last_layer_out": last}
    for k, h in enumerate(hs):
        tensors[f"hidden_{k}"] = h[0].float()
    md = {"prompt": prompt, "num_hidden_layers": n_layers}
    md.update(facts)
    save_tensors(out / "hidden.safetensors", tensors, meta(name, md))
    return facts


def golden_generate(name, model, tok, device, out):
    import torch
    cfg = model.config
    cases = []
    for prompt in fc.PROMPTS:
        ids = tok(prompt)["input_ids"]
        x = torch.tensor([ids], dtype=torch.long, device=device)
        with torch.no_grad():
            g = model.generate(input_ids=x, attention_mask=torch.ones_like(x),
                               max_new_tokens=fc.GENERATE_NEW_TOKENS, do_sample=False,
                               num_beams=1, eos_token_id=cfg.eos_token_id,
                               pad_token_id=cfg.eos_token_id)
        new = g[0, len(ids):].tolist()
        # The same greedy chain from full forward passes without a KV cache.
        seq, ref = list(ids), []
        for _ in range(fc.GENERATE_NEW_TOKENS):
            nxt = int(forward_logits(model, seq, device)[-1].argmax())
            ref.append(nxt)
            seq.append(nxt)
            if nxt == cfg.eos_token_id:
                break
        cases.append({
            "prompt": prompt,
            "prompt_ids": ids,
            "new_ids": new,
            "text": tok.decode(new, skip_special_tokens=False),
            "stopped_at_eos": len(new) < fc.GENERATE_NEW_TOKENS,
            "matches_uncached_argmax": new == ref,
        })
        log(f"{name}: {prompt!r} -> {cases[-1]['text']!r}")
    write_json(out / "generate.json", {
        "fixture": name, "max_new_tokens": fc.GENERATE_NEW_TOKENS, "do_sample": False,
        "eos_token_id": cfg.eos_token_id, "prompt_tokens": "tokenizer(prompt) with default "
        "special tokens", "cases": cases})
    return all(c["matches_uncached_argmax"] for c in cases)


def score_windows(model, windows, first, device, batch=16):
    """NLL of windows [n, ctx]: logits[j] predicts token[j+1] for j in [first, ctx-1).

    Returns (per-window NLL sums as float64, tokens scored per window). log-softmax in float64
    of the float32 logits.
    """
    import torch
    sums = []
    ctx = windows.shape[1]
    with torch.no_grad():
        for i in range(0, windows.shape[0], batch):
            x = windows[i:i + batch].to(device)
            logits = model(input_ids=x).logits.float()
            lp = torch.log_softmax(logits[:, first:ctx - 1].double(), dim=-1)
            nll = -lp.gather(-1, x[:, first + 1:ctx, None]).squeeze(-1)
            sums.extend(nll.sum(dim=1).tolist())
    return sums, ctx - 1 - first


def ppl_entry(sums, per_window, first, ctx):
    total = math.fsum(sums)
    scored = per_window * len(sums)
    return {"ppl": math.exp(total / scored), "nll_sum": total, "scored_tokens": scored,
            "windows": len(sums), "ctx": ctx, "first_scored_logit": first,
            "window_mean_nll": [s / per_window for s in sums]}


def golden_perplexity(name, model, tok, device, out, text_path):
    import torch
    text = Path(text_path).read_text(encoding="utf-8")
    bos = model.config.bos_token_id
    hf_ids = tok(text)["input_ids"]
    lc_ids = [bos] + tok(text, add_special_tokens=False)["input_ids"]
    res = {"fixture": name, "text_file": str(text_path),
           "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
           "text_chars": len(text), "hf": {}, "llama.cpp": {}}
    res["hf"]["tokens"] = len(hf_ids)
    res["hf"]["tokens_head"] = hf_ids[:16]
    res["llama.cpp"]["tokens"] = len(lc_ids)
    res["llama.cpp"]["bos_token_id"] = bos
    res["llama.cpp"]["tokens_head"] = lc_ids[:16]
    for ctx in fc.PPL_CTX:
        n = len(hf_ids) // ctx
        w = torch.tensor(hf_ids[:n * ctx], dtype=torch.long).reshape(n, ctx)
        sums, per = score_windows(model, w, 0, device)
        res["hf"][str(ctx)] = ppl_entry(sums, per, 0, ctx)
        n = len(lc_ids) // ctx
        if n < 2:
            raise SystemExit(f"make_goldens: {text_path} is too short for llama.cpp ctx {ctx}")
        w = torch.tensor(lc_ids[:n * ctx], dtype=torch.long).reshape(n, ctx)
        w[:, 0] = bos
        sums, per = score_windows(model, w, ctx // 2, device)
        res["llama.cpp"][str(ctx)] = ppl_entry(sums, per, ctx // 2, ctx)
        log(f"{name}: ctx {ctx} ppl hf {res['hf'][str(ctx)]['ppl']:.3f} "
            f"llama.cpp {res['llama.cpp'][str(ctx)]['ppl']:.3f}")
    write_json(out / "perplexity.json", res)
    return res


def golden_tokens(name, tok, model_dir, out, text_path):
    from tokenizers import Tokenizer
    raw = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    cases, mismatches = [], 0
    for text in token_cases(Path(text_path).read_text(encoding="utf-8")):
        ids = tok(text)["input_ids"]
        ids_ns = tok(text, add_special_tokens=False)["input_ids"]
        if ids != raw.encode(text).ids or ids_ns != raw.encode(text, add_special_tokens=False).ids:
            mismatches += 1
            log(f"{name}: AutoTokenizer and tokenizers disagree on {text!r}")
        cases.append({"text": text, "ids": ids, "ids_no_special": ids_ns,
                      "decoded": tok.decode(ids_ns, skip_special_tokens=False)})
    write_json(out / "tokens.json", {"fixture": name, "tokenizer": f"models/{name}/tokenizer.json",
                                     "cases": cases})
    return len(cases), mismatches


def main():
    args = parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = args.device
    summary = {}
    t0 = time.time()
    for name in args.fixtures:
        t1 = time.time()
        model_dir = Path(args.models) / name
        out = Path(args.out) / name
        out.mkdir(parents=True, exist_ok=True)
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32,
                                                     attn_implementation="eager").to(device)
        model.eval()
        tok = AutoTokenizer.from_pretrained(model_dir)
        s = {"logits": golden_logits(name, model, tok, device, out),
             "hidden": golden_hidden(name, model, tok, device, out),
             "generate_matches_uncached": golden_generate(name, model, tok, device, out)}
        ppl = golden_perplexity(name, model, tok, device, out, args.text)
        s["ppl"] = {p: {c: ppl[p][str(c)]["ppl"] for c in fc.PPL_CTX} for p in ("hf", "llama.cpp")}
        s["token_cases"], s["token_mismatches"] = golden_tokens(name, tok, model_dir, out, args.text)
        s["bytes"] = {f.name: f.stat().st_size for f in sorted(out.iterdir())}
        s["seconds"] = round(time.time() - t1, 1)
        summary[name] = s
        log(f"{name}: {json.dumps(s)}")
    total = sum(sum(s["bytes"].values()) for s in summary.values())
    log(f"goldens: {total:,} bytes in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
