#!/usr/bin/env bash
# Compresses a model every way listed below and evaluates each result the way
# ../shared/PEERS.md does: PPL on the first 250 chunks of wiki.test.raw at ctx
# 512 (llama.cpp protocol), KL divergence against the original, top-1
# agreement (one pass: the kld task scores both models, so PPL = ratio x
# base PPL); plus bytes, bits/weight, compression time and peak RSS.
#
#   bench/tables/compression_table.sh quant|prune|all|NAME,NAME... [OUTDIR]
#
# Environment: SLIMLM (binary, default build/slimlm), SLIMLM_DATA (default
# ../shared/data), MODEL (default $SLIMLM_DATA/models/bench-llama-26m),
# CHUNKS (default 250), CALIB_SAMPLES (default 128), THREADS (default: all).
# Output: OUTDIR/<variant>/ (models), OUTDIR/<variant>.eval.json and one TSV
# row per variant in OUTDIR/table.tsv.
set -euo pipefail
which=${1:-all}
out=${2:-bench-out/compression}
SLIMLM=${SLIMLM:-build/slimlm}
DATA=${SLIMLM_DATA:-../shared/data}
MODEL=${MODEL:-$DATA/models/bench-llama-26m}
WIKI=$DATA/corpora/wikitext-2-raw/wiki.test.raw
CALIB=$DATA/corpora/gutenberg/frankenstein.txt
CHUNKS=${CHUNKS:-250}
NCAL=${CALIB_SAMPLES:-128}
THREADS=${THREADS:-0}
tflag=()
[ "$THREADS" != 0 ] && tflag=(--threads "$THREADS")
cal=(--calib "$CALIB" --calib-samples "$NCAL" --calib-len 512 --calib-seed 0)
mkdir -p "$out"

# Integer formats with a zero point (asym), as the research code quantizes by
# default (IST-DASLab/gptq without --sym, llm-awq with zero_point); lm_head stays
# in 16 bits as there.
quant_variants=(
  "rtn-w4g128|quantize --method rtn --format int4_g128_asym --skip lm_head"
  "rtn-w3g128|quantize --method rtn --format int3_g128_asym --skip lm_head"
  "rtn-w2g64|quantize --method rtn --format int2_g64_asym --skip lm_head"
  "gptq-w4g128|quantize --method gptq --format int4_g128_asym ${cal[*]}"
  "gptq-w4g128-act|quantize --method gptq --format int4_g128_asym --act-order ${cal[*]}"
  "gptq-w3g128|quantize --method gptq --format int3_g128_asym ${cal[*]}"
  "gptq-w3g128-act|quantize --method gptq --format int3_g128_asym --act-order ${cal[*]}"
  "gptq-w2g64|quantize --method gptq --format int2_g64_asym ${cal[*]}"
  "gptq-w2g64-act|quantize --method gptq --format int2_g64_asym --act-order ${cal[*]}"
  "awq-w4g128|quantize --method awq --format int4_g128_asym ${cal[*]}"
  "awq-w3g128|quantize --method awq --format int3_g128_asym ${cal[*]}"
  "awq-w2g64|quantize --method awq --format int2_g64_asym ${cal[*]}"
  "smoothquant-w8a8|quantize --method smoothquant --format int8 ${cal[*]}"
)
prune_variants=(
  "magnitude-50|prune --method magnitude --sparsity 0.5"
  "magnitude-2of4|prune --method magnitude --pattern 2:4"
  "magnitude-4of8|prune --method magnitude --pattern 4:8"
  "wanda-50|prune --method wanda --sparsity 0.5 ${cal[*]}"
  "wanda-2of4|prune --method wanda --pattern 2:4 ${cal[*]}"
  "wanda-4of8|prune --method wanda --pattern 4:8 ${cal[*]}"
  "sparsegpt-50|prune --method sparsegpt --sparsity 0.5 ${cal[*]}"
  "sparsegpt-2of4|prune --method sparsegpt --pattern 2:4 ${cal[*]}"
  "sparsegpt-4of8|prune --method sparsegpt --pattern 4:8 ${cal[*]}"
  "heads-25|prune --structured heads --ratio 0.25 ${cal[*]}"
  "channels-25|prune --structured channels --ratio 0.25 ${cal[*]}"
  "layers-drop2|prune --structured layers --ratio 0.25 ${cal[*]}"
  "layers-drop4|prune --structured layers --ratio 0.5 ${cal[*]}"
)
case $which in
  quant) variants=("${quant_variants[@]}") ;;
  prune) variants=("${prune_variants[@]}") ;;
  all) variants=("${quant_variants[@]}" "${prune_variants[@]}") ;;
  *) variants=()  # a comma-separated list of variant names
     for v in "${quant_variants[@]}" "${prune_variants[@]}"; do [[ ",$which," == *",${v%%|*},"* ]] && variants+=("$v"); done ;;
esac

eval_args=(--task kld --base "$MODEL" --data "$WIKI" --ctx 512 --limit-chunks "$CHUNKS" --json "${tflag[@]}")
if [ ! -s "$out/base.eval.json" ]; then
  "$SLIMLM" eval "$MODEL" --task perplexity --data "$WIKI" --ctx 512 --limit-chunks "$CHUNKS" --json "${tflag[@]}" > "$out/base.eval.json"
fi
for v in "${variants[@]}"; do
  name=${v%%|*}; cmd=${v#*|}
  rm -rf "${out:?}/$name"
  sub=${cmd%% *}; opts=${cmd#* }
  /usr/bin/time -f "%e %U %M" -o "$out/$name.time" "$SLIMLM" $sub "$MODEL" -o "$out/$name" "${tflag[@]}" --quiet $opts
  "$SLIMLM" eval "$out/$name" "${eval_args[@]}" > "$out/$name.eval.json"
  echo "$name: $(cat "$out/$name.time")" >&2
done
python3 "$(dirname "$0")/compression_table.py" "$out" > "$out/table.md"
cat "$out/table.md"
