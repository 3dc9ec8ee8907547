#!/usr/bin/env python3
"""Markdown table from the files compression_table.sh writes into OUTDIR."""
import json
import pathlib
import sys

out = pathlib.Path(sys.argv[1])
base = json.loads((out / "base.eval.json").read_text())
params = 26483200 if len(sys.argv) < 3 else int(sys.argv[2])  # bench-llama-26m
print(f"base PPL {base['ppl']:.4f} ± {base['ppl_stderr']:.4f} on {base['tokens_scored']} tokens, {params} parameters\n")
print("| variant | file MiB | bpw (all params) | PPL | ratio to base | mean KLD | KLD p99 | same top-1 % "
      "| time s (wall) | CPU s | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for ev in sorted(out.glob("*.eval.json"), key=lambda p: p.stat().st_mtime):
    name = ev.name[: -len(".eval.json")]
    if name == "base":
        continue
    k = json.loads(ev.read_text())
    size = sum(f.stat().st_size for f in (out / name).glob("*.safetensors"))
    wall, user, rss_kb = (float(x) for x in (out / f"{name}.time").read_text().split()[:3])
    print(f"| {name} | {size / 2**20:.2f} | {8 * size / params:.2f} "
          f"| {k['ppl']:.2f} | {k['ppl_ratio']:.4f} "
          f"| {k['kld_mean']:.4f} ± {k['kld_stderr']:.4f} | {k['kld_p99']:.3f} | {100 * k['same_top1']:.2f} "
          f"| {wall:.1f} | {user:.1f} | {rss_kb / 1024:.0f} |")
