#!/usr/bin/env bash
# Regenerates the fixture models (models/) and the golden data (tests/golden/) on the
# accelerator machine. The three trainings share the one GPU and run at the same time.
#   tools/regenerate.sh [DATA_ROOT]     DATA_ROOT defaults to $SLIMLM_DATA, then ../shared/data
# Logs go to $LOGS (default /tmp/slimlm-regenerate).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${SLIMLM_DATA:-../shared/data}}
logs=${LOGS:-/tmp/slimlm-regenerate}
mkdir -p "$logs"
export PYTHONUNBUFFERED=1

start=$(date +%s)
fixtures=(tiny-llama tiny-qwen2 tiny-llama-spm)
pids=()
for f in "${fixtures[@]}"; do
  python3 tools/train_fixture.py "$f" --data "$data" >"$logs/train-$f.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "training ${fixtures[$i]} failed; see $logs/train-${fixtures[$i]}.log" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
trained=$(date +%s)
echo "fixtures trained in $((trained - start))s"

python3 tools/make_goldens.py "${fixtures[@]}" >"$logs/goldens.log" 2>&1 \
  || { echo "make_goldens failed; see $logs/goldens.log" >&2; exit 1; }
echo "goldens written in $(($(date +%s) - trained))s; total $(($(date +%s) - start))s"
