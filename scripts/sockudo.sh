#!/usr/bin/env bash
# Builds sockudo (a Pusher-protocol server, from crates.io) with its Redis
# adapter, once per machine, for the cluster tests and benchmarks; prints
# the binary's path. Kept outside the checkout so that a clean clone and a
# second run reuse it:
#   ~/.cache/kinboard/sockudo-5.2.0/bin/sockudo
set -euo pipefail

version=5.2.0
cache=${KINBOARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kinboard}
root="$cache/sockudo-$version"
bin="$root/bin/sockudo"

mkdir -p "$cache"
# One build at a time: a second run waits for the first and reuses it.
exec 9>"$cache/sockudo.lock"
flock 9
if [ ! -x "$bin" ]; then
  command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"
  echo "building sockudo $version with its Redis adapter (once per machine) into $root" >&2
  # The intermediate artifacts are kept too: a build cut short resumes.
  CARGO_TARGET_DIR="$cache/sockudo-build" cargo install sockudo --version "$version" \
    --locked --no-default-features --features local,redis --root "$root" >&2
  rm -rf "$cache/sockudo-build"
fi
echo "$bin"
