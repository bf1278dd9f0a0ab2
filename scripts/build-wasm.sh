#!/usr/bin/env bash
# Builds callseal's wasm modules and assembles the npm package in pkg/
#
#   callseal_decrypt.wasm       --features decrypt-entry  (one-shot and stream decryption of unsigned messages on WebCrypto: what a
#                                                          console loads first)
#   callseal_decrypt_more.wasm  --features decrypt-more   (S3EC metadata and objects, range reads, signed suites and the pure-Rust engine: the package
#                                                          loads it the first time one is called; it
#                                                          holds the entry's decryption too)
#   callseal_encrypt.wasm       --features decrypt-entry,encrypt  (ESDK message encryption)
#   callseal_policy.wasm        --features policy         (validator + evaluator; service data is a separate file)
#
# Toolchain: rustup's wasm32-unknown-unknown target when installed; otherwise Debian's
# rustc-web + rust-web-src + lld with -Z build-std (see README, "Building").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=$ROOT/pkg
OUT=$ROOT/target/pkg-staging   # assembled here, swapped into pkg/ only when complete
WASM_TARGET_DIR=$ROOT/target/wasm
PROFILE=${CALLSEAL_WASM_PROFILE:-wasm-release}

log() { printf '\033[1m[build-wasm]\033[0m %s\n' "$*" >&2; }

# --- the package's generated TypeScript types ------------------------------------------------
# The types of what the wasm returns (MessageHeader, Finding, Decision, CallsealErrorCode) and the
# suites, declared from the Rust types (src/ts_types.rs; native, before the wasm flags are set):
# written into the package's sources, which tests/ts_types.rs holds to the Rust types.
log "cargo run --bin callseal-types (pkg-config/src/lib/generated.ts)"
cargo run --quiet --bin callseal-types -- pkg-config/src/lib/generated.ts

# --- which toolchain -------------------------------------------------------------------------
# The wasm linker: Debian's lld-22 has shipped /usr/bin/rust-lld in some builds and only
# LLVM's own wasm-ld in others.
find_wasm_ld() {
  local c
  for c in /usr/bin/rust-lld /usr/lib/llvm-*/bin/wasm-ld; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}
CARGO_WASM=(cargo)
BUILD_STD=()
IMMEDIATE_ABORT=()
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "toolchain: rustup with wasm32-unknown-unknown"
elif [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] && WASM_LD=$(find_wasm_ld); then
  log "toolchain: Debian rustc-web $(/usr/bin/rustc --version | cut -d' ' -f2) with -Z build-std, linker $WASM_LD"
  export RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=$WASM_LD
  export RUSTC=/usr/bin/rustc
  CARGO_WASM=(/usr/bin/cargo)
  BUILD_STD=(-Z build-std=std,panic_abort)
  IMMEDIATE_ABORT=(-Zunstable-options -Cpanic=immediate-abort)
else
  echo "error: no wasm32 toolchain: run 'rustup target add wasm32-unknown-unknown', or on Debian" >&2
  echo "       'apt-get install rustc-web cargo-web rust-web-src lld-22' (see README)" >&2
  exit 1
fi
# simd128 for the pure-Rust AES-GCM fallback engine (every current browser has it).
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128"

# --- wasm-bindgen CLI must match the crate version in Cargo.lock ------------------------------
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock 2>/dev/null || true)
if [ -z "$WB_VERSION" ]; then
  "${CARGO_WASM[@]}" generate-lockfile >/dev/null 2>&1 || true
  WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
  echo "error: wasm-bindgen-cli $WB_VERSION required: cargo install wasm-bindgen-cli --version =$WB_VERSION" >&2
  exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT/wasm"

build_module() { # name features [profile] [extra RUSTFLAGS]
  local name=$1 features=$2 profile=${3:-$PROFILE} flags=${4:-}
  log "cargo build $name ($features, $profile${flags:+, $flags})"
  RUSTFLAGS="$RUSTFLAGS $flags" "${CARGO_WASM[@]}" build --lib --target wasm32-unknown-unknown --profile "$profile" \
    --no-default-features --features "$features" --target-dir "$WASM_TARGET_DIR" "${BUILD_STD[@]}"
  local built="$WASM_TARGET_DIR/wasm32-unknown-unknown/$profile/callseal.wasm"
  cp "$built" "$WASM_TARGET_DIR/$name.wasm"
  wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$OUT/wasm" --out-name "$name" "$WASM_TARGET_DIR/$name.wasm"
  # wasm-bindgen writes the crate root's package.json dependencies (the workspace's) into
  # wasm/package.json, without "type": "module": under it tsx loads the snippets as CommonJS and
  # the broker cannot import pkg/node/policy.js. The package's own package.json is pkg/package.json.
  rm -f "$OUT/wasm/package.json"
  # wasm-opt before version 116 breaks wasm-bindgen's externref table: use it only when newer.
  local wo_version
  wo_version=$(wasm-opt --version 2>/dev/null | grep -oE '[0-9]+' | head -n 1 || echo 0)
  if [ "${wo_version:-0}" -ge 116 ] && [ "${CALLSEAL_WASM_OPT:-1}" = 1 ]; then
    local f="$OUT/wasm/${name}_bg.wasm"
    if wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
         --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
         "$f" -o "$f.opt" 2>"$WASM_TARGET_DIR/wasm-opt-$name.log"; then
      mv "$f.opt" "$f"
    else
      log "wasm-opt could not process $name (see target/wasm/wasm-opt-$name.log); keeping the unoptimised module"
      rm -f "$f.opt"
    fi
  fi
}

# CALLSEAL_WASM_MODULES="decrypt" builds one module only (development).
for m in ${CALLSEAL_WASM_MODULES:-decrypt encrypt policy}; do
  case $m in
    # Panics in the decrypt module are traps with no message or formatting code behind them (no
    # panic crosses into JS: errors are typed values). Needs std built from source (-Z build-std).
    decrypt)
      for half in "callseal_decrypt decrypt-entry" "callseal_decrypt_more decrypt-more"; do
        # shellcheck disable=SC2086
        build_module $half "${CALLSEAL_WASM_DECRYPT_PROFILE:-wasm-decrypt}" "${IMMEDIATE_ABORT[*]}"
      done ;;
    encrypt) build_module callseal_encrypt decrypt-entry,encrypt ;;
    # The evaluator is hot and the policy module's budget has room: built for speed.
    policy) build_module callseal_policy policy "${CALLSEAL_WASM_POLICY_PROFILE:-wasm-policy}" ;;
    *) echo "error: unknown module $m" >&2; exit 1 ;;
  esac
done

# --- the TypeScript layer and the package files ------------------------------------------------
log "assembling pkg/"
cp -r pkg-config/src/. "$OUT/"
cp pkg-config/README.md "$OUT/README.md"
# CallsealError is defined once, in the snippet both modules share (src/wasm/callseal_error.js).
SNIPPET=$(cd "$OUT" && ls wasm/snippets/*/src/wasm/callseal_error.js | head -n 1)
cp src/wasm/callseal_error.d.ts "$OUT/$(dirname "$SNIPPET")/"
echo "export { CallsealError, type CallsealErrorCode } from '../$SNIPPET';" > "$OUT/lib/callseal-error.ts"
cp LICENSE "$OUT/LICENSE" 2>/dev/null || true
VERSION=$(awk -F'"' '/^version = / {print $2; exit}' Cargo.toml)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$VERSION\"/" pkg-config/package.json > "$OUT/package.json"
if [ -f target/generated/service-data.bin ]; then cp target/generated/service-data.bin "$OUT/service-data.bin"; fi
for m in decrypt policy encrypt; do  # development builds of a subset of the modules
  if [ ! -f "$OUT/wasm/callseal_$m.js" ]; then
    rm -f "$OUT/$m.ts" "$OUT/$m-more.ts" "$OUT/node/$m.ts" "$OUT/lib/$m.ts"
    sed -i "/$m/d" "$OUT/index.ts" "$OUT/node/index.ts"
  fi
done
sed -i "s#\"typeRoots\": \[[^]]*\]#\"typeRoots\": [\"$ROOT/node_modules/@types\"]#" "$OUT/tsconfig.json"
npx --no-install tsc -p "$OUT/tsconfig.json"
find "$OUT" -name "*.ts" ! -name "*.d.ts" -delete; rm -f "$OUT/tsconfig.json"
# callseal/player: the component, its decrypt worker and Service Worker (esbuild bundles).
if [ -f "$OUT/decrypt.js" ]; then node scripts/build-player.mjs "$OUT"; fi

for f in "$OUT"/wasm/*_bg.wasm; do
  printf '  %-28s %8d bytes  %7d gzipped\n' "$(basename "$f")" "$(stat -c%s "$f")" "$(gzip -9c "$f" | wc -c)" >&2
done
rm -rf "$PKG.old"
[ -d "$PKG" ] && mv "$PKG" "$PKG.old"
mv "$OUT" "$PKG"
rm -rf "$PKG.old"
log "done: $PKG"
