#!/usr/bin/env bash
# Property-based tests of the HTTP API from its own OpenAPI document
# (schemathesis): for every operation, generated requests — valid,
# malformed and in between — must get no 5xx, only documented statuses and
# content types, and replies matching their schemas. Runs the built
# `kinboard-server` (with its demo family, signed in as a parent) on SQLite
# and on PostgreSQL (KINBOARD_TEST_POSTGRES names a server whose `test`
# database it may create databases beside).
#
#   scripts/schemathesis.sh TARGET_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${1:-target}
server_bin="$target_dir/debug/kinboard-server"
[ -x "$server_bin" ] || { echo "build the workspace first: $server_bin is missing" >&2; exit 1; }

# One pinned version, installed once per machine outside the checkout; a
# fixed seed, so a run is repeatable (and a failure reproducible).
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/kinboard/schemathesis-$version"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

work=$(mktemp -d /tmp/kinboard-schemathesis.XXXXXX)
server_pid=
postgres=${KINBOARD_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
database="kinboard_schemathesis_$$"
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  psql "$postgres" -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the server on `$1` (a database URL); sets `base` and `server_pid`.
start_server() {
  local log="$work/server.log"
  : >"$log"
  NO_COLOR=1 RUST_LOG=info DATABASE_URL="$1" "$server_bin" --bind 127.0.0.1:0 --demo \
    --open-signup --announce off >"$log" 2>&1 &
  server_pid=$!
  local addr=
  for _ in $(seq 1 300); do
    addr=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'kinboard server listening addr=[^ ]*' | head -n1 | cut -d= -f2 || true)
    [ -n "$addr" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "the server exited" >&2; return 1; }
    sleep 0.1
  done
  [ -n "$addr" ] || { cat "$log" >&2; echo "the server did not start" >&2; return 1; }
  base="http://$addr"
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  # A 5xx is also logged (at level ERROR); none may be, nor a panic.
  if grep -Eq '^[^ ]+ +ERROR |panicked' "$work/server.log"; then
    grep -E '^[^ ]+ +ERROR |panicked' "$work/server.log" >&2
    echo "the server logged errors under schemathesis" >&2
    return 1
  fi
}

# A demo parent's fresh session token.
token() {
  "$venv/bin/python" - "$base" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/auth/sign-in", method="POST",
    data=json.dumps({"email": "ben@demo.kinboard", "password": "kinboard-demo"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["token"])
PY
}

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# The sessions the runs use, made before any run: the runs' wrong
# sign-ins soon lock this address out of signing in (as they should).
sign_in_all() {
  tokens=()
  local i tok
  for i in 1 2 3 4; do
    tok=$(token)
    [ -n "$tok" ] || { echo "could not sign in to the demo family" >&2; return 1; }
    tokens+=("$tok")
  done
}

# One run with the next session made by `sign_in_all`.
schemathesis() {
  local tok=${tokens[0]}
  tokens=("${tokens[@]:1}")
  (cd "$work" && "$venv/bin/schemathesis" run "$base/api/openapi.json" --checks "$checks" \
    --header "Authorization: Bearer $tok" --max-examples 30 --workers 2 --warnings off \
    --phases examples,coverage,fuzzing,stateful --seed 4242 "$@")
}

run_against() {
  echo "schemathesis on $2"
  start_server "$1"
  sign_in_all
  # Every operation but those that end the session the run is signed in
  # with; then each of those, with a session of its own to end.
  schemathesis --exclude-path /api/auth/sign-out --exclude-path /api/auth/password \
    --exclude-path-regex '^/api/sessions/'
  schemathesis --include-path /api/auth/sign-out
  schemathesis --include-path /api/auth/password
  schemathesis --include-path-regex '^/api/sessions/'
  stop_server
}

run_against "sqlite://$work/schemathesis.sqlite3?mode=rwc" SQLite

psql "$postgres" -qc "CREATE DATABASE $database" >/dev/null
run_against "$("$venv/bin/python" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$postgres" "$database")" PostgreSQL
