#!/usr/bin/env python3
"""Encode throughput of Hugging Face `tokenizers` on WikiText-2 raw test, the reference
for bench/bench_tokenizer.cpp (same file, same tokenizers, same units of work):

  file   Tokenizer.encode(whole file as one string), add_special_tokens=False
  lines  Tokenizer.encode_batch(lines, add_special_tokens=False), lines with their "\n"
         (so the bytes add up to the file), with RAYON_NUM_THREADS=1: single-threaded
  batch  the same encode_batch on all cores (run with --threads 0)

MB/s = file bytes / 1e6 / median seconds of --repeat timed runs after one warm-up run.

    RAYON_NUM_THREADS=1 python3 tools/bench_hf_tokenizer.py --data DATA_DIR --mode single
    python3 tools/bench_hf_tokenizer.py --data DATA_DIR --mode batch
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def timed(fn, repeat):
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--mode", choices=["single", "batch"], required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if args.mode == "single" and os.environ.get("RAYON_NUM_THREADS") != "1":
        sys.exit("single mode needs RAYON_NUM_THREADS=1 in the environment (set before import)")
    from make_tokenizer_goldens import load_tokenizers
    import tokenizers
    raw = (Path(args.data) / "corpora/wikitext-2-raw/wiki.test.raw").read_bytes()
    text = raw.decode("utf-8")
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    mb = len(raw) / 1e6
    rows = []
    for name, (tok, _) in load_tokenizers(args.data).items():
        if args.mode == "single":
            units = {"file": lambda: tok.encode(text, add_special_tokens=False),
                     "lines": lambda: tok.encode_batch(lines, add_special_tokens=False)}
        else:
            units = {"batch": lambda: tok.encode_batch(lines, add_special_tokens=False)}
        for unit, fn in units.items():
            sec = timed(fn, args.repeat)
            ntok = (len(tok.encode(text, add_special_tokens=False).ids) if unit == "file"
                    else sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False)))
            row = {"impl": "hf-tokenizers", "version": tokenizers.__version__, "tokenizer": name,
                   "unit": unit, "threads": os.environ.get("RAYON_NUM_THREADS", "all"),
                   "seconds": round(sec, 5), "MB_per_s": round(mb / sec, 3), "tokens": ntok}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
