#!/usr/bin/env bash
# The sealer's AWS Lambda deployment package (make package-sealer): a zip of one file,
# `bootstrap`, the `callseal` binary built with the feature `sealer` and stripped. Lambda's
# provided.al2023 runtime starts `bootstrap` with no arguments, and the binary so named runs
# `callseal seal --lambda` (src/sealer/lambda.rs). x86_64, the architecture this builds on; the
# binary may need no glibc newer than Amazon Linux 2023's 2.34, which this checks.
#
#   scripts/package-sealer.sh [out.zip]     default: dist/callseal-sealer-lambda.zip
#   CALLSEAL_SEALER_PROFILE=dev|release     cargo profile (default release)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${CALLSEAL_SEALER_PROFILE:-release}
out=$(realpath -m "${1:-dist/callseal-sealer-lambda.zip}")
cargo build --profile "$profile" --features sealer --bin callseal
bin=target/$([ "$profile" = dev ] && echo debug || echo "$profile")/callseal
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1)
if [ "$(printf '%s\nGLIBC_2.34\n' "$newest" | sort -V | tail -1)" != GLIBC_2.34 ]; then
  echo "package-sealer: $bin needs $newest, newer than provided.al2023's GLIBC_2.34" >&2
  exit 1
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
strip -o "$stage/bootstrap" "$bin"
chmod 0755 "$stage/bootstrap"
mkdir -p "$(dirname "$out")"
rm -f "$out"
(cd "$stage" && zip -q -X "$out" bootstrap)
echo "package-sealer: $out ($(du -h "$out" | cut -f1); bootstrap needs glibc ${newest#GLIBC_})" >&2
