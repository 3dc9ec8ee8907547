#!/usr/bin/env bash
# Installs the Debian packages slimlm builds and tests with (see ../shared/DESIGN.md).
# Idempotent: quiet and quick when everything is already there. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libfmt-dev libsqlite3-dev
  libopenblas-dev liblapacke-dev libeigen3-dev libpcre2-dev libutf8proc-dev
  libxxhash-dev libzstd-dev libgtest-dev libgmock-dev libbenchmark-dev
  libbz2-dev
  clang libclang-rt-dev bzip2 python3
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
