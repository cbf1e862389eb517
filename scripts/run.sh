#!/usr/bin/env bash
# Runs Kinboard: installs what it needs (Debian packages; idempotent, as
# root or with sudo), builds the desktop app, and opens it on a demo family
# served by a Kinboard server embedded in the app.
#
#   ./scripts/run.sh                 the demo
#   ./scripts/run.sh --kiosk         the demo as a fullscreen kitchen screen
#   KINBOARD_SKIP_INSTALL=1 ...      skip the package checks
#
# Extra arguments go to `kinboard --demo` (see `kinboard --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${KINBOARD_SKIP_INSTALL:-}" ]; then
  ./scripts/install-deps.sh
fi
# A Rust that rustup has just installed is not on PATH yet.
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"

cargo build --locked --release -p kinboard
app=target/release/kinboard
if [ -n "${CARGO_TARGET_DIR:-}" ]; then app="$CARGO_TARGET_DIR/release/kinboard"; fi

run=("$app" --demo "$@")
# Notifications and the keyring talk to a D-Bus session bus.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  run=(dbus-run-session -- "${run[@]}")
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: running Kinboard on a virtual one (Xvfb). Close it with Ctrl-C." >&2
  export WEBKIT_DISABLE_COMPOSITING_MODE=1 NO_AT_BRIDGE=1
  run=(xvfb-run -a -s "-screen 0 1280x800x24" "${run[@]}")
fi
exec "${run[@]}"
