# callseal: the front door.
#   make demo    local stack + sample recordings sealed by the sealer + the pages (prints the URL)
#   make test    every test: native, wasm in Node and Chromium, pages end-to-end
#   make build   the npm package in pkg/
#   make bench   side-by-side benchmarks -> bench/results.json, BENCHMARKS.md
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CALLSEAL_PYTHON ?= $(CURDIR)/.venv/bin/python
export CALLSEAL_SERVICE_DATA ?= $(CURDIR)/target/generated/service-data.bin
# Node: the LTS of .node-version, which scripts/setup.sh installs there, ahead of any other.
export CALLSEAL_NODE_HOME ?= $(HOME)/.cache/callseal/node-v$(shell cat .node-version)
export PATH := $(CALLSEAL_NODE_HOME)/bin:$(PATH)

.PHONY: help setup build sealer service-data test test-native test-lint test-wasm test-consumers test-pages test-broker test-deploy test-sealer package-broker package-sealer demo bench fuzz clean

help:
	@sed -n '2,6p' Makefile | sed 's/^# *//'

setup:
	@scripts/setup.sh

service-data: setup
	@node scripts/gen-service-data.mjs

build: setup service-data
	@scripts/build-wasm.sh

# The sealer the local stack runs (scripts/stack/up.sh: a worker on the stack's queue) and the
# sealer tests use: `callseal` with the feature `sealer` (the AWS SDK for Rust; its first build is
# long), copied to target/sealer/ so that a default build of target/debug/callseal leaves it be.
# callseal itself is built at opt-level 3 here (the crypto's generic code, AES-GCM and SHA-384 of
# the frame loop, is compiled in callseal; its dependencies are optimised by Cargo.toml's dev
# profile): a `--config` profile override, so the AWS SDK is not rebuilt and the tests keep their
# unoptimised callseal (its artifacts and these live side by side in target/debug).
sealer:
	cargo build --features sealer --bin callseal --config 'profile.dev.package.callseal.opt-level=3'
	install -D target/debug/callseal target/sealer/callseal

test: setup service-data test-lint test-native build sealer test-wasm test-consumers test-broker test-pages test-deploy test-sealer
	@echo "make test: all suites passed"

test-lint:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --no-default-features --features envelope -- -D warnings
	cargo clippy --lib --no-default-features --features policy -- -D warnings
	cargo clippy --features sealer --all-targets -- -D warnings

test-native:
	cargo test --all-targets

# The wasm package (pkg/) in Node and in headless Chromium.
test-wasm:
	node --test 'tests/wasm/*.test.mjs'

# The package as consumers meet it: fresh `npm init -y` projects, the `npm pack` tarball and the
# package README's recipes (Node ESM and CommonJS, Vite, webpack 5, esbuild, TypeScript strict),
# tools from the npm registry at pinned versions (tests/consumers/support.mjs).
test-consumers: build
	node --test 'tests/consumers/*.test.mjs'

test-broker: sealer
	npx tsc --noEmit -p www/broker/tsconfig.json
	node --test 'tests/broker/*.test.mjs'

# deploy/template.yaml: cfn-lint, and callseal policy validate on every policy in it.
test-deploy: setup service-data
	$(CALLSEAL_PYTHON) deploy/check.py

# The sealer (feature `sealer`: the AWS SDK for Rust, kept out of the default build): its unit
# tests, then `callseal seal` against the local stack (tests/sealer).
test-sealer: sealer
	cargo test --features sealer --lib sealer::
	node --test 'tests/sealer/*.test.mjs'

test-pages: sealer
	npx tsc --noEmit -p www/tsconfig.json
	node --test 'tests/player/*.test.mjs'
	node --test 'tests/e2e/*.test.mjs'

# The key broker's AWS Lambda deployment package (deploy/template.yaml's CodeBucket/CodeKey).
package-broker: build
	node scripts/package-broker.mjs

# The sealer's AWS Lambda deployment package (provided.al2023, x86_64): dist/callseal-sealer-lambda.zip
# holds `bootstrap`, the release `callseal` built with the feature `sealer`.
package-sealer:
	scripts/package-sealer.sh

demo: build sealer
	@scripts/demo.sh

bench: build sealer
	@node bench/run.mjs

# cargo-fuzz targets (fuzz/fuzz_targets), one at a time, FUZZ_SECONDS each; crashes land in
# fuzz/artifacts/<target>/ (copy them to fuzz/regressions/<target>/: cargo test replays them).
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

clean:
	rm -rf target pkg www/dist bench/out dist
