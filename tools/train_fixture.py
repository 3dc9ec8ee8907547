#!/usr/bin/env python3
"""Trains one slimlm fixture model and saves it as a Hugging Face checkpoint folder.

Runs on the accelerator machine (PyTorch, transformers, tokenizers). For a fixture named in
tools/fixture_configs.py it
  1. reads the training corpus (corpora/train/*.txt.gz + Frankenstein + tiny Shakespeare under
     the data root) and keeps the last 2% of every document out as validation text;
  2. trains a byte-level BPE tokenizer on the training part, or loads the given tokenizer.json;
  3. trains the model (AdamW, warmup + cosine, bf16 autocast, fp32 master weights) on random
     windows of the token stream;
  4. rounds the weights to bf16, saves config.json, model.safetensors, tokenizer.json,
     tokenizer_config.json, generation_config.json, and provenance.json with the corpus files
     and their sha256, the configuration, seed, steps, tokens seen, train and held-out loss,
     `valid_ppl` (the saved bf16 model, run in fp32) and `unigram_valid_ppl` (an add-one unigram
     model of the training tokens) on the same held-out tokens.

Deterministic for a seed on the same GPU and software: seeded init, a seeded data order, eager
attention and torch.use_deterministic_algorithms.

  python3 tools/train_fixture.py tiny-llama --data ../shared/data --out models/tiny-llama
"""

import os

# cuBLAS needs this before CUDA starts to give bitwise-repeatable matrix products.
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import argparse
import glob
import gzip
import hashlib
import json
import math
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixture_configs as fc  # noqa: E402
import fixture_tokenizer as ft  # noqa: E402
import golden_json  # noqa: E402


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("fixture", choices=sorted(fc.FIXTURES))
    p.add_argument("--data", default=os.environ.get("SLIMLM_DATA", "../shared/data"),
                   help="data root with corpora/ and tokenizers/ (default $SLIMLM_DATA)")
    p.add_argument("--out", help="output folder (default models/<fixture>)")
    p.add_argument("--steps", type=int, help="override the fixture's step count")
    p.add_argument("--seed", type=int, help="override the seed")
    p.add_argument("--device", default="cuda")
    p.add_argument("--no-eval-files", action="store_true",
                   help="skip the perplexity on War and Peace and WikiText-2 in provenance")
    return p.parse_args()


# ----------------------------------------------------------------------------- corpus

def read_corpus(root):
    """Returns [(relative path, text, sha256 of the file as stored)] in a fixed order."""
    docs = []
    for pattern in fc.TRAIN_GLOBS:
        paths = sorted(glob.glob(str(root / pattern)))
        if not paths:
            raise SystemExit(f"train_fixture: no file matches {root / pattern}")
        for path in paths:
            raw = Path(path).read_bytes()
            data = gzip.decompress(raw) if path.endswith(".gz") else raw
            docs.append((str(Path(path).relative_to(root)), data.decode("utf-8"),
                         hashlib.sha256(raw).hexdigest()))
    return docs


def split_doc(text):
    """Splits a document into (train, valid): valid is its tail from a line start."""
    cut = int(len(text) * (1.0 - fc.VALID_FRACTION))
    nl = text.rfind("\n", 0, cut)
    if nl > 0:
        cut = nl + 1
    return text[:cut], text[cut:]


def encode_stream(tok, texts, sep_id):
    """Concatenates [sep] + ids(text) for every text into one int32 array."""
    import numpy as np

    if hasattr(tok, "encode_batch_fast"):
        encs = tok.encode_batch_fast(texts, add_special_tokens=False)
    else:
        encs = tok.encode_batch(texts, add_special_tokens=False)
    parts = []
    for e in encs:
        parts.append(np.array([sep_id], dtype=np.int32))
        parts.append(np.asarray(e.ids, dtype=np.int32))
    return np.concatenate(parts)


# ----------------------------------------------------------------------------- model

def make_config(spec, tok_vocab, bos_id, eos_id):
    from transformers import LlamaConfig, Qwen2Config

    m = spec["model"]
    vocab = tok_vocab
    if m["pad_vocab_to"]:
        vocab = -(-tok_vocab // m["pad_vocab_to"]) * m["pad_vocab_to"]
    common = dict(
        vocab_size=vocab,
        hidden_size=m["hidden_size"],
        intermediate_size=m["intermediate_size"],
        num_hidden_layers=m["num_hidden_layers"],
        num_attention_heads=m["num_attention_heads"],
        num_key_value_heads=m["num_key_value_heads"],
        head_dim=m["head_dim"],
        max_position_embeddings=m["max_position_embeddings"],
        rms_norm_eps=m["rms_norm_eps"],
        rope_parameters={"rope_type": "default", "rope_theta": m["rope_theta"]},
        tie_word_embeddings=m["tie_word_embeddings"],
        hidden_act="silu",
        initializer_range=0.02,
        attention_dropout=0.0,
        bos_token_id=bos_id,
        eos_token_id=eos_id,
        pad_token_id=None,
        use_cache=True,
    )
    if spec["arch"] == "llama":
        cfg = LlamaConfig(**common, attention_bias=False, mlp_bias=False)
        cfg.architectures = ["LlamaForCausalLM"]
    elif spec["arch"] == "qwen2":
        cfg = Qwen2Config(**common, use_sliding_window=False)
        cfg.architectures = ["Qwen2ForCausalLM"]
    else:
        raise SystemExit(f"train_fixture: unknown arch {spec['arch']!r}")
    return cfg


def check_config(cfg, spec):
    """Fails loudly where transformers silently ignored a setting we rely on."""
    m = spec["model"]
    rope = getattr(cfg, "rope_parameters", None) or {}
    theta = rope.get("rope_theta", getattr(cfg, "rope_theta", None))
    problems = []
    if theta is None or float(theta) != float(m["rope_theta"]):
        problems.append(f"rope_theta {theta} != {m['rope_theta']}")
    if getattr(cfg, "head_dim", None) != m["head_dim"]:
        problems.append(f"head_dim {getattr(cfg, 'head_dim', None)} != {m['head_dim']}")
    if bool(cfg.tie_word_embeddings) != m["tie_word_embeddings"]:
        problems.append("tie_word_embeddings not applied")
    if problems:
        raise SystemExit("train_fixture: config mismatch: " + "; ".join(problems))


def build_model(cfg, spec, seed, device):
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
    model.to(device)
    if spec["model"]["tie_word_embeddings"]:
        if model.lm_head.weight.data_ptr() != model.model.embed_tokens.weight.data_ptr():
            raise SystemExit("train_fixture: lm_head is not tied to embed_tokens")
    if spec["arch"] == "qwen2":
        attn = model.model.layers[0].self_attn
        if attn.q_proj.bias is None or attn.k_proj.bias is None or attn.v_proj.bias is None:
            raise SystemExit("train_fixture: Qwen2 attention lost its q/k/v bias")
    return model


# ----------------------------------------------------------------------------- training

def lr_at(step, steps, t):
    if step < t["warmup"]:
        return t["lr"] * (step + 1) / t["warmup"]
    progress = (step - t["warmup"]) / max(1, steps - t["warmup"])
    floor = t["lr"] * t["min_lr_ratio"]
    return floor + (t["lr"] - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def train(model, stream, t, steps, seed, device):
    import torch
    import torch.nn.functional as F

    data = torch.from_numpy(stream.astype("int64")).to(device)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": t["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=t["lr"], betas=t["betas"], eps=1e-8, fused=True)
    gen = torch.Generator(device="cpu").manual_seed(seed + 1)
    ctx, batch = t["ctx"], t["batch"]
    span = torch.arange(ctx + 1, device=device)
    vocab = model.config.vocab_size
    curve = []
    model.train()
    t0 = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, t)
        starts = torch.randint(0, data.numel() - ctx - 1, (batch,), generator=gen).to(device)
        x = data[starts[:, None] + span]
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
            logits = model(input_ids=x[:, :-1]).logits
        loss = F.cross_entropy(logits.float().reshape(-1, vocab), x[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), t["grad_clip"])
        opt.step()
        opt.zero_grad(set_to_none=True)
        if (step + 1) % 200 == 0 or step == steps - 1:
            lv = loss.item()
            curve.append([step + 1, round(lv, 5)])
            el = time.time() - t0
            log(f"step {step + 1}/{steps} loss {lv:.4f} lr {opt.param_groups[0]['lr']:.2e} "
                f"{el:.1f}s {(step + 1) * batch * ctx / el / 1e3:.0f}k tok/s")
    torch.cuda.synchronize()
    return curve, time.time() - t0


# ----------------------------------------------------------------------------- evaluation

def window_nll(model, windows, device, batch=32):
    """Sum of NLL and count over windows [n, ctx], every token after the first scored."""
    import torch

    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for i in range(0, windows.shape[0], batch):
            x = windows[i:i + batch].to(device)
            logits = model(input_ids=x).logits.float()
            lp = torch.log_softmax(logits[:, :-1], dim=-1)
            nll = -lp.gather(-1, x[:, 1:, None]).squeeze(-1)
            total += nll.double().sum().item()
            count += nll.numel()
    return total, count


def as_windows(stream, ctx):
    import torch
    n = len(stream) // ctx
    return torch.from_numpy(stream[:n * ctx].astype("int64")).reshape(n, ctx)


def unigram_nll(train_stream, windows, n_tokens):
    """Add-one unigram NLL of the tokens `window_nll` scores in `windows`."""
    import numpy as np
    counts = np.bincount(train_stream, minlength=n_tokens).astype(np.float64)
    logp = np.log((counts + 1.0) / (counts.sum() + n_tokens))
    targets = windows[:, 1:].numpy().reshape(-1)
    return float(-logp[targets].sum()), int(targets.size)


def greedy_samples(model, hf_tok, device, n_new=40):
    import torch
    out = []
    model.eval()
    for prompt in fc.PROMPTS:
        ids = torch.tensor([hf_tok(prompt)["input_ids"]], device=device)
        with torch.no_grad():
            g = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                               max_new_tokens=n_new, do_sample=False,
                               pad_token_id=model.config.eos_token_id)
        text = hf_tok.decode(g[0, ids.shape[1]:], skip_special_tokens=False)
        out.append({"prompt": prompt, "greedy": text})
        log(f"sample: {prompt!r} -> {text!r}")
    return out


# ----------------------------------------------------------------------------- main

def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    args = parse_args()
    import numpy as np
    import tokenizers
    import torch
    import transformers
    from transformers import AutoTokenizer

    spec = fc.FIXTURES[args.fixture]
    t = dict(fc.TRAIN_DEFAULTS)
    t.update({k: v for k, v in spec["train"].items()})
    if args.steps is not None:
        t["steps"] = args.steps
    if args.seed is not None:
        t["seed"] = args.seed
    seed, steps = t["seed"], t["steps"]
    root = Path(args.data)
    out = Path(args.out or f"models/{args.fixture}")
    device = args.device
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    t_start = time.time()

    docs = read_corpus(root)
    splits = [split_doc(text) for _, text, _ in docs]
    train_texts = [a for a, _ in splits]
    valid_texts = [b for _, b in splits if b]
    log(f"{len(docs)} documents, {sum(len(x) for x in train_texts):,} train chars, "
        f"{sum(len(x) for x in valid_texts):,} valid chars")

    tspec = spec["tokenizer"]
    t_tok = time.time()
    if tspec["kind"] == "bytelevel":
        tok = ft.train_bytelevel(tspec, train_texts)
        tok_source = {"trained": True, "style": tspec["style"], "vocab_size": tspec["vocab_size"],
                      "special_tokens": tspec["special_tokens"]}
    else:
        tok_path = root / tspec["path"]
        tok = ft.load_file_tokenizer(tok_path)
        tok_source = {"trained": False, "path": tspec["path"], "sha256": sha256_file(tok_path)}
    tok_seconds = time.time() - t_tok
    n_tok = tok.get_vocab_size(with_added_tokens=True)
    bos_id = ft.token_id(tok, tspec.get("bos"))
    eos_id = ft.token_id(tok, tspec["eos"])
    # Documents are joined with BOS (Llama) or <|endoftext|> (Qwen2, which has no BOS; its
    # config names <|endoftext|> as bos_token_id, as real Qwen2 checkpoints do).
    sep_id = bos_id if bos_id is not None else eos_id
    log(f"tokenizer: {n_tok} tokens ({tok_seconds:.1f}s), bos {bos_id}, eos {eos_id}")

    t_enc = time.time()
    train_stream = encode_stream(tok, train_texts, sep_id)
    valid_stream = encode_stream(tok, valid_texts, sep_id)
    enc_seconds = time.time() - t_enc
    log(f"encoded {len(train_stream):,} train / {len(valid_stream):,} valid tokens "
        f"({enc_seconds:.1f}s)")

    cfg = make_config(spec, n_tok, sep_id, eos_id)
    check_config(cfg, spec)
    model = build_model(cfg, spec, seed, device)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{cfg.architectures[0]}: {n_params:,} parameters, vocab {cfg.vocab_size}")

    curve, train_seconds = train(model, train_stream, t, steps, seed, device)
    log(f"trained {steps} steps in {train_seconds:.1f}s")

    # Everything below sees the bf16-rounded weights that are saved, run in fp32.
    model.to(torch.bfloat16)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    if tspec["kind"] == "file":
        shutil.copyfile(tok_path, tmp / "tokenizer.json")
    else:
        tok.save(str(tmp / "tokenizer.json"))
    (tmp / "tokenizer_config.json").write_text(json.dumps(ft.tokenizer_config(tspec), indent=2) + "\n")
    model.float()

    saved_cfg = json.loads((tmp / "config.json").read_text())
    if saved_cfg.get("head_dim") != spec["model"]["head_dim"]:
        saved_cfg["head_dim"] = spec["model"]["head_dim"]
        (tmp / "config.json").write_text(json.dumps(saved_cfg, indent=2, sort_keys=True) + "\n")

    ctx = t["ctx"]
    vw = as_windows(valid_stream, ctx)
    v_nll, v_cnt = window_nll(model, vw, device)
    u_nll, u_cnt = unigram_nll(train_stream, vw, n_tok)
    assert u_cnt == v_cnt
    idx = np.linspace(0, len(train_stream) - ctx - 1, vw.shape[0]).astype(np.int64)
    tw = torch.from_numpy(np.stack([train_stream[i:i + ctx] for i in idx]).astype("int64"))
    tr_nll, tr_cnt = window_nll(model, tw, device)
    valid_loss, train_loss = v_nll / v_cnt, tr_nll / tr_cnt
    log(f"train ppl {math.exp(train_loss):.2f}  valid ppl {math.exp(valid_loss):.2f}  "
        f"unigram valid ppl {math.exp(u_nll / u_cnt):.2f}  ({v_cnt} tokens)")

    hf_tok = AutoTokenizer.from_pretrained(tmp)
    eval_files = {}
    if not args.no_eval_files:
        for rel in fc.EVAL_FILES:
            path = root / rel
            if not path.exists():
                continue
            ids = np.asarray(hf_tok(path.read_text(encoding="utf-8"))["input_ids"], dtype=np.int32)
            e_nll, e_cnt = window_nll(model, as_windows(ids, ctx), device)
            eval_files[f"{Path(rel).name}@{ctx}"] = {
                "ppl": math.exp(e_nll / e_cnt), "tokens": e_cnt, "file_sha256": sha256_file(path)}
            log(f"{rel}: ppl {math.exp(e_nll / e_cnt):.2f} ({e_cnt} tokens)")
    samples = greedy_samples(model, hf_tok, device)

    prov = {
        "fixture": args.fixture,
        "arch": cfg.architectures[0],
        "params": n_params,
        "model_safetensors_bytes": (tmp / "model.safetensors").stat().st_size,
        "seed": seed,
        "steps": steps,
        "batch": t["batch"],
        "ctx": ctx,
        "tokens_seen": steps * t["batch"] * ctx,
        "train_tokens": int(len(train_stream)),
        "valid_tokens": int(len(valid_stream)),
        "train_loss": train_loss,
        "valid_loss": valid_loss,
        "train_ppl": math.exp(train_loss),
        "valid_ppl": math.exp(valid_loss),
        "unigram_valid_ppl": math.exp(u_nll / u_cnt),
        "valid_scored_tokens": v_cnt,
        "valid_protocol": (f"held-out {fc.VALID_FRACTION:.0%} tail of every training document, "
                           f"non-overlapping windows of {ctx}, every token after the first "
                           "scored; model = saved bf16 weights run in fp32; unigram = add-one "
                           "smoothed counts of the training tokens"),
        "train_ppl_protocol": f"{vw.shape[0]} evenly spaced training windows of {ctx}, same scoring",
        "optimizer": {k: t[k] for k in ("lr", "min_lr_ratio", "warmup", "weight_decay", "betas",
                                         "grad_clip")},
        "loss_curve": curve,
        "corpus": [{"path": p, "sha256": h, "chars": len(x)} for p, x, h in docs],
        "held_out_never_trained": fc.EVAL_FILES,
        "valid_fraction": fc.VALID_FRACTION,
        "tokenizer": tok_source,
        "spec": spec,
        "config": saved_cfg,
        "eval": eval_files,
        "samples": samples,
        "seconds": {"tokenizer": round(tok_seconds, 1), "encode": round(enc_seconds, 1),
                    "train": round(train_seconds, 1), "total": round(time.time() - t_start, 1)},
        "device": torch.cuda.get_device_name(0) if device.startswith("cuda") else device,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": tokenizers.__version__, "python": sys.version.split()[0]},
        "command": " ".join(sys.argv),
    }
    golden_json.write(tmp / "provenance.json", prov)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    log(f"saved {out} ({prov['model_safetensors_bytes']:,} bytes) in {prov['seconds']['total']}s")


if __name__ == "__main__":
    main()
