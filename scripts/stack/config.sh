# Local stack settings (sourced by up.sh, down.sh, demo.sh). Every value can be overridden from
# the environment, e.g. `CALLSEAL_S3_PORT=9000 scripts/stack/up.sh`.
# shellcheck shell=bash
CALLSEAL_ROOT=${CALLSEAL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CALLSEAL_STACK_DIR=${CALLSEAL_STACK_DIR:-$CALLSEAL_ROOT/.stack}
CALLSEAL_VENV=${CALLSEAL_VENV:-$CALLSEAL_ROOT/.venv}

# Everything listens on loopback only.
CALLSEAL_BIND=${CALLSEAL_BIND:-127.0.0.1}
CALLSEAL_S3_PORT=${CALLSEAL_S3_PORT:-8333}        # SeaweedFS S3 gateway (path-style)
CALLSEAL_KMS_PORT=${CALLSEAL_KMS_PORT:-8335}      # moto server (KMS)
CALLSEAL_IDP_PORT=${CALLSEAL_IDP_PORT:-8336}      # identity provider (scripts/stack/idp.mjs, OpenID Connect)
CALLSEAL_BROKER_PORT=${CALLSEAL_BROKER_PORT:-8787} # key broker (www/broker)
CALLSEAL_PAGE_PORT=${CALLSEAL_PAGE_PORT:-5173}     # the built pages (scripts/serve-pages.mjs, make demo)
CALLSEAL_FILER_PORT=${CALLSEAL_FILER_PORT:-$((CALLSEAL_S3_PORT + 4))} # SeaweedFS filer (the notifier tails its events)

# Origins the page is served from: S3 CORS, the broker's CORS and the identity provider's
# redirect URIs allow exactly these.
CALLSEAL_ALLOWED_ORIGINS=${CALLSEAL_ALLOWED_ORIGINS:-http://localhost:5173,http://127.0.0.1:5173,http://localhost:4173,http://127.0.0.1:4173}

# The pretend AWS account / Connect instance of the demo (account and region as in the seeds).
CALLSEAL_ACCOUNT_ID=${CALLSEAL_ACCOUNT_ID:-111122223333}
CALLSEAL_REGION=${CALLSEAL_REGION:-us-west-2}
CALLSEAL_CONNECT_INSTANCE_ID=${CALLSEAL_CONNECT_INSTANCE_ID:-5f1c6a8e-2b3d-4e7f-9a10-3c4d5e6f7a8b}
CALLSEAL_BUCKET=${CALLSEAL_BUCKET:-amazon-connect-callseal-demo}
# Where the demo's Connect instance writes in the bucket (connect/<instance alias>/): what the
# notification configuration sends to the sealer's queue, what the sealer seals and the broker lists.
CALLSEAL_CONNECT_PREFIX=${CALLSEAL_CONNECT_PREFIX:-connect/callseal-demo/}
# The sealer the stack runs (a worker on its queue): `callseal` built with the `sealer` feature.
CALLSEAL_SEALER_BIN=${CALLSEAL_SEALER_BIN:-$CALLSEAL_ROOT/target/sealer/callseal}  # make sealer
CALLSEAL_KMS_ALIAS=${CALLSEAL_KMS_ALIAS:-alias/callseal-connect-recordings}
