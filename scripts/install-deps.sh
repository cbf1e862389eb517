#!/usr/bin/env bash
# Installs what building, running and testing Kinboard needs on Debian:
# system libraries for the desktop app, the GUI test tools, and cargo tools.
# Idempotent: installs only what is missing. Runs as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

packages=(
  # building
  build-essential pkg-config file libssl-dev curl ca-certificates procps
  # the desktop app (Tauri 2 on WebKitGTK), tray and keyring; GStreamer
  # plays the page's chime
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libsecret-1-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  # the Debian packages: manual pages, and the checks the suite holds them to
  help2man lintian desktop-file-utils systemd
  # GUI and OS-service tests
  xvfb xauth dbus dbus-x11 webkit2gtk-driver imagemagick gnome-keyring python3-dbusmock
  libglib2.0-bin libsecret-tools
  # network namespaces for the tests that go beyond loopback (DNS-SD), and
  # a listener on such a network (what crosses it readable)
  iproute2 tcpdump
  # a throwaway PostgreSQL when none is running
  postgresql
  # the cluster tests: HAProxy in front of two servers and two sockudo
  # nodes joined by Redis (sockudo itself is built from crates.io by
  # scripts/sockudo.sh, which needs protoc and its well-known types)
  haproxy redis-server protobuf-compiler libprotobuf-dev
  # schemathesis, installed from PyPI into a virtual environment
  python3-venv
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm for the Pusher interop tests (pusher-js and the official
# `pusher` library from npm) and the UI tests. A machine may already carry a
# newer Node whose package includes npm; only fill in what is absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust: the workspace needs 1.90 or newer (Debian 12's own rustc is 1.63).
rust_ok() {
  command -v cargo >/dev/null 2>&1 || return 1
  local v
  v=$(rustc --version 2>/dev/null | awk '{print $2}')
  [ "$(printf '%s\n1.90.0\n' "$v" | sort -V | head -n1)" = "1.90.0" ]
}
if ! rust_ok && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
if ! rust_ok; then
  echo "installing Rust (stable) with rustup"
  if ! curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt; then
    echo "Rust 1.90 or newer is needed and rustup could not be fetched: install it from https://rustup.rs" >&2
    exit 1
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt || true
# WebDriver for the desktop app's end-to-end test (in front of WebKitWebDriver).
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  cargo install tauri-driver --version 2.1.0 --locked
fi
