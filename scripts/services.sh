# Sourced by the test scripts: starts the services the tests use when they
# are not already answering.

# PostgreSQL on 127.0.0.1:5432 with trust auth and a database `test`. When
# none answers, a throwaway cluster is created under target/ and stopped
# when the calling script exits.
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export KINBOARD_TEST_POSTGRES=${KINBOARD_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
    return 0
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed; run scripts/install-deps.sh" >&2
    return 1
  fi
  local dir
  dir=$(mktemp -d /tmp/kinboard-pg.XXXXXX)
  chown postgres "$dir" 2>/dev/null || true
  local as=()
  if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-h 127.0.0.1 -p 5432 -k $dir" -l "$dir/log" -w start >/dev/null
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p 5432 -U postgres test
  export KINBOARD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test
  # shellcheck disable=SC2064
  trap "${as[*]} $bin/pg_ctl -D $dir/data -m fast stop >/dev/null 2>&1; rm -rf $dir" EXIT
}
