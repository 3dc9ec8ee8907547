#!/usr/bin/env bash
# Builds a libFuzzer target with clang (address + undefined sanitizers) in its
# own tree and runs it for SLIMLM_FUZZ_SECONDS (default 30) on a corpus seeded
# here with valid and broken files. Any crash, sanitizer report, leak or
# uncaught non-slimlm exception fails the run (libFuzzer exits non-zero).
#   run_fuzz.sh SOURCE_DIR BUILD_DIR TARGET
set -euo pipefail

src=$(cd "$1" && pwd)
build=$2
target=${3:-fuzz_safetensors_header}
seconds=${SLIMLM_FUZZ_SECONDS:-30}
here=$src/tests/fuzz

for tool in clang clang++ cmake; do
  command -v "$tool" >/dev/null || { echo "run_fuzz: $tool not found (apt-get install clang)" >&2; exit 1; }
done

mkdir -p "$build"
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if ! cmake -S "$src" -B "$build" \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
      -DSLIMLM_FUZZ=ON -DSLIMLM_BUILD_TESTS=OFF -DSLIMLM_BUILD_BENCH=OFF \
      >"$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  exit 1
fi
cmake --build "$build" -j2 --target "$target"

# Seeds: a safetensors file is an 8-byte little-endian header length, the
# JSON header, then the data area.
corpus=$build/corpus/$target
mkdir -p "$corpus" "$build/artifacts"
le64() {
  local n=$1 i out=""
  for i in 0 1 2 3 4 5 6 7; do out+=$(printf '\\%03o' $(((n >> (8 * i)) & 255))); done
  printf "$out"
}
seed() {  # seed NAME HEADER DATA_BYTES
  { le64 "${#2}"; printf '%s' "$2"; head -c "$3" /dev/zero; } >"$corpus/$1"
}
seed valid_one '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}' 16
seed valid_meta '{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"I8","shape":[2],"data_offsets":[6,8]}}' 8
seed valid_zero '{"e":{"dtype":"F16","shape":[0,4],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}' 8
seed valid_empty '{}' 0
seed overlap '{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}' 6
seed hole '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}' 6
seed mismatch '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}' 16
seed dup '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}' 2
seed bad_dtype '{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}' 1
seed bad_meta '{"__metadata__":{"k":1}}' 0
printf 'short' >"$corpus/short"

echo "run_fuzz: $target for ${seconds}s"
"$build/tests/fuzz/$target" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict="$here/safetensors.dict" -artifact_prefix="$build/artifacts/" \
  -print_final_stats=1 "$corpus"
