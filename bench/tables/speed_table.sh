#!/usr/bin/env bash
# Side-by-side decode / prefill speed of several model folders: `slimlm bench`
# in interleaved rounds (A B C, A B C, ...) so that a change in the machine's
# state hits every model alike; prints each model's median over the rounds.
#
#   bench/tables/speed_table.sh MODEL... 
#
# Environment: SLIMLM (default build/slimlm), ROUNDS (3), PP (512), TG (128),
# REPS (3 timed repetitions per round).
set -euo pipefail
SLIMLM=${SLIMLM:-build/slimlm}
ROUNDS=${ROUNDS:-3}; PP=${PP:-512}; TG=${TG:-128}; REPS=${REPS:-3}
[ $# -gt 0 ] || { echo "usage: $0 MODEL..." >&2; exit 2; }
rows=$(mktemp); trap 'rm -f "$rows"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  for m in "$@"; do
    "$SLIMLM" bench "$m" -p "$PP" -n "$TG" -r "$REPS" --csv 2>/dev/null | grep -v '^model' >> "$rows"
  done
done
python3 - "$rows" "$PP" "$TG" <<'PY'
import collections, statistics, sys
rows, pp, tg = sys.argv[1], f"pp{sys.argv[2]}", f"tg{sys.argv[3]}"
runs, order = collections.defaultdict(list), []
for line in open(rows):
    f = line.strip().split(",")
    if len(f) < 9:
        continue
    if f[0] not in order:
        order.append(f[0])
    runs[(f[0], f[5])].append(float(f[7]))
print(f"| model | {pp} t/s median (min–max) | {tg} t/s median (min–max) |")
print("|---|---:|---:|")
for m in order:
    cells = []
    for t in (pp, tg):
        v = runs[(m, t)]
        cells.append(f"{statistics.median(v):.1f} ({min(v):.0f}–{max(v):.0f})" if v else "—")
    print(f"| {m} | {cells[0]} | {cells[1]} |")
PY
