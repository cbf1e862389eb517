#!/usr/bin/env bash
# Runs Kinboard's whole test suite on a Debian machine, installing what it
# needs first (idempotent; as root or with sudo) and starting the services
# its tests use.
#
#   ./scripts/test.sh            everything
#   KINBOARD_SKIP_INSTALL=1 ...  skip the package checks (already installed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

if [ -z "${KINBOARD_SKIP_INSTALL:-}" ]; then
  step "installing what the tests need"
  ./scripts/install-deps.sh
fi
# A Rust that rustup has just installed is not on PATH yet.
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"

# shellcheck source=scripts/services.sh
. ./scripts/services.sh
step "starting services"
ensure_postgres

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

# Everything is built once, with one set of features for the whole
# workspace: the steps below then reuse the same artifacts instead of each
# building its own (a build per feature set would multiply the disk it
# takes). The desktop end-to-end tests are built here and run last.
all=(--workspace --locked --features kinboard-e2e/desktop)
step "building the workspace"
cargo build "${all[@]}" --all-targets

# The cluster tests run sockudo nodes: built once per machine, outside
# the checkout.
step "sockudo for the cluster tests"
KINBOARD_SOCKUDO_BIN=$(./scripts/sockudo.sh)
export KINBOARD_SOCKUDO_BIN

# The D-Bus tests (keyring, notifications) start private session buses
# with the services they need; the generated page bindings are checked too.
step "Rust tests (unit, property, integration)"
cargo nextest run "${all[@]}" --no-fail-fast -E 'not package(kinboard-e2e)'
cargo test "${all[@]}" --doc

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
step "the HTTP API against its own OpenAPI document (schemathesis, SQLite and PostgreSQL)"
./scripts/schemathesis.sh "$target_dir"

step "interop: kinboard-relay against pusher-js and the official pusher library"
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error \
  && KINBOARD_RELAY_BIN="$target_dir/debug/kinboard-relay" \
     node --test test/*.test.js)

step "desktop app end to end: onboarding, two windows, the kitchen screen (Xvfb, tauri-driver, WebKitWebDriver, in a network namespace)"
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  cargo install tauri-driver --version 2.1.0 --locked
fi
keyring_home=$(mktemp -d /tmp/kinboard-keyring.XXXXXX)
# In a network namespace of its own: the windows host a household on
# 0.0.0.0 and look for households with DNS-SD, none of it on this machine's
# interfaces. One test at a time: each drives real windows.
./scripts/in-netns.sh -- xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  env NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 KEYRING_HOME="$keyring_home" sh -c '
    # A Secret Service for the apps keyring, unlocked, in a throwaway directory.
    printf kinboard | XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null
    cargo nextest run --workspace --locked --offline --features kinboard-e2e/desktop \
      -E "package(kinboard-e2e)" --no-fail-fast --no-capture'
rm -rf "$keyring_home"

step "packages: both .debs built, checked (lintian, desktop-file-validate, systemd-analyze verify), installed, started and removed"
./scripts/check-packages.sh "$root/artifacts/packages"

step "the page: ui/js on a real DOM (happy-dom)"
(cd tests/ui && npm ci --no-audit --no-fund --loglevel=error && node --test *.test.js)

step "all tests passed"
