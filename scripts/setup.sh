#!/usr/bin/env bash
# Installs everything callseal's build, tests and demo need on a fresh Debian machine.
# Idempotent and quick when everything is already there. Used by `make test`, `make demo`
# and .ci/run. Nothing here downloads a browser or a toolchain outside the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# --- Debian packages -----------------------------------------------------------------------
APT_PACKAGES=(
  rustc-web cargo-web rust-web-src lld-22   # wasm32 codegen + std sources (-Z build-std) + linker
  binaryen                                  # wasm-opt
  chromium chromium-driver                  # headless browser tests and benchmarks
  espeak-ng sox libsox-fmt-mp3 opus-tools   # synthesised demo recordings (WAV, MP3, Opus)
  python3-venv
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- wasm-bindgen CLI at exactly the crate's version ------------------------------------------
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
  log "cargo install wasm-bindgen-cli $WB_VERSION (a few minutes, once per machine)"
  cargo install -q wasm-bindgen-cli --version "=$WB_VERSION"
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt 2>/dev/null || true

# --- npm (exact versions from package-lock.json) ----------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- Python venv: official ESDK (interop tests), moto (KMS), SeaweedFS (S3) ---------------------
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
if ! cmp -s requirements-dev.txt .venv/.requirements-installed 2>/dev/null; then
  log "pip install -r requirements-dev.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  cp requirements-dev.txt .venv/.requirements-installed
fi
log "ready"
