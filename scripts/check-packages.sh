#!/usr/bin/env bash
# Checks Kinboard's Debian packages as a family meets them: builds both
# (./scripts/package.sh --debug, from the build the suite already made),
# holds them to Debian's rules (lintian: no errors; the menu entry through
# desktop-file-validate; the systemd unit through systemd-analyze verify),
# installs them on this machine, starts the installed app under Xvfb with
# its demo family and the installed server on a free port, sees both
# answer, and removes them again. Needs root (it installs packages).
#
#   ./scripts/check-packages.sh [ARTIFACTS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts=$(realpath -m "${1:-artifacts/packages}")
mkdir -p "$artifacts"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

KINBOARD_SKIP_INSTALL=1 ./scripts/package.sh --debug
version=$(cargo pkgid -p kinboard-server | sed 's/.*[@#]//')
arch=$(dpkg --print-architecture)
app_deb="dist/kinboard_${version}_${arch}.deb"
server_deb="dist/kinboard-server_${version}_${arch}.deb"

# The check installs and then purges both packages: a Kinboard installed
# for real on this machine is not its to remove.
for p in kinboard kinboard-server; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "$p is installed on this machine; the package check would remove it (dpkg --purge $p first)" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/kinboard-packages.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${sudo_cmd[@]}" dpkg --purge kinboard kinboard-server >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "lintian (errors and warnings fail):"
lintian --fail-on error,warning --tag-display-limit 0 "$app_deb" "$server_deb"

dpkg-deb -x "$app_deb" "$work/app"
desktop-file-validate "$work"/app/usr/share/applications/*.desktop
grep -q '^Exec=kinboard$' "$work"/app/usr/share/applications/*.desktop

echo "installing both packages"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "./$app_deb" "./$server_deb" >/dev/null
systemd-analyze verify /lib/systemd/system/kinboard-server.service
test -x /usr/bin/kinboard && test -x /usr/bin/kinboard-server && test -f /etc/kinboard/server.env

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits up to $2 seconds for $1 to answer /healthz.
answers() {
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1/healthz"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

echo "the installed server, on a free port"
port=$(free_port)
/usr/bin/kinboard-server --bind "127.0.0.1:$port" --database "sqlite://$work/server.sqlite3" \
  > "$artifacts/installed-server.log" 2>&1 &
pids+=($!)
answers "http://127.0.0.1:$port" 30 || { cat "$artifacts/installed-server.log"; exit 1; }
echo "  answers on 127.0.0.1:$port"

echo "the installed app, with its demo family, under Xvfb"
app_port=$(free_port)
mkdir -p "$work/home"
HOME="$work/home" XDG_STATE_HOME="$work/home/state" NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- sh -c "
    /usr/bin/kinboard --demo --host 127.0.0.1:$app_port --profile packaged > '$artifacts/installed-app.log' 2>&1 &
    app=\$!
    deadline=\$((\$(date +%s) + 90))
    # The dashboard is on screen and live.
    until grep -q 'the page shows dashboard' '$artifacts/installed-app.log' \
        && grep -q 'state=Live.*the board.s connection changed\|the board.s connection changed.*state=Live' '$artifacts/installed-app.log'; do
      if ! kill -0 \$app 2>/dev/null || [ \$(date +%s) -gt \$deadline ]; then
        echo 'the installed app did not show the dashboard'; cat '$artifacts/installed-app.log'; exit 1
      fi
      sleep 0.5
    done
    curl -fsS -o /dev/null http://127.0.0.1:$app_port/healthz || { echo 'its server does not answer'; exit 1; }
    # The screen once WebKit has drawn the live board (its paints lag the
    # page's word, and the reconnecting chip spins): two captures a second
    # apart the same, and well over the loading text's couple of hundred
    # colours.
    shot='$artifacts/installed-app.png'
    import -window root \$shot.prev
    until sleep 1 && import -window root \$shot \
        && [ \$(compare -metric AE \$shot \$shot.prev null: 2>&1) = 0 ] \
        && [ \$(identify -format %k \$shot) -gt 600 ]; do
      [ \$(date +%s) -lt \$deadline ] || { echo 'the board was never drawn'; exit 1; }
      mv \$shot \$shot.prev
    done
    rm -f \$shot.prev
    kill \$app; wait \$app || true" 2> "$artifacts/installed-app-session.log"
echo "  showed the demo family's dashboard, live; its server answered on 127.0.0.1:$app_port"

"${sudo_cmd[@]}" dpkg --purge kinboard kinboard-server >/dev/null
if [ -e /usr/bin/kinboard ] || [ -e /usr/bin/kinboard-server ]; then
  echo "removing the packages left their programs behind" >&2
  exit 1
fi
echo "packages: built, checked, installed, started and removed"
