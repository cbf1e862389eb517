#!/usr/bin/env bash
# Builds Kinboard's Debian packages from a checkout:
#
#   dist/kinboard_<version>_amd64.deb         the desktop app (Tauri's bundler:
#                                             menu entry, icons, its dependencies)
#   dist/kinboard-server_<version>_amd64.deb  the household server alone, as a
#                                             hardened systemd service
#
#   ./scripts/package.sh            an optimised build: what families install
#   ./scripts/package.sh --debug    packages the debug build already made
#                                   (the test suite's: the same files, built
#                                   in a fraction of the time)
#
# Installs what it needs first (as ./scripts/install-deps.sh does), unless
# KINBOARD_SKIP_INSTALL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
profile=release
case "${1:-}" in
  --debug) profile=debug ;;
  "") ;;
  *) echo "usage: $0 [--debug]" >&2; exit 2 ;;
esac

step() { printf '\n==> %s\n' "$*"; }

if [ -z "${KINBOARD_SKIP_INSTALL:-}" ]; then
  ./scripts/install-deps.sh
fi
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
version=$(cargo pkgid -p kinboard-server | sed 's/.*[@#]//')
arch=$(dpkg --print-architecture)
stage="$target_dir/package"
dist="$root/dist"
rm -rf "$stage"
mkdir -p "$stage/$profile" "$dist"

if [ "$profile" = release ]; then
  step "building kinboard and kinboard-server (release)"
  # The desktop app as `tauri build` makes it (its page from the binary).
  cargo build --release --locked -p kinboard --features tauri/custom-protocol
  cargo build --release --locked -p kinboard-server
fi

# Stripped copies: a package ships no debugging symbols.
for bin in kinboard kinboard-server; do
  src="$target_dir/$profile/$bin"
  [ -x "$src" ] || { echo "$src is missing: build it first (cargo build -p $bin)" >&2; exit 1; }
  strip --strip-unneeded -o "$stage/$profile/$bin" "$src"
done

# The changelog and the manual pages (from each program's --help),
# compressed as Debian wants them (reproducibly).
gzip -9n -c packaging/changelog > "$stage/changelog.gz"
help2man --no-info --section=1 --name="the family dashboard" --version-string="$version" \
  "$stage/$profile/kinboard" | gzip -9n > "$stage/kinboard.1.gz"
help2man --no-info --section=8 --name="the Kinboard household server" --version-string="$version" \
  "$stage/$profile/kinboard-server" | gzip -9n > "$stage/kinboard-server.8.gz"

# The shared libraries a binary links, as dpkg-shlibdeps reads them.
shlibs() {
  (cd "$stage" && mkdir -p debian \
    && printf 'Source: kinboard\n\nPackage: kinboard\nArchitecture: any\n' > debian/control \
    && dpkg-shlibdeps -O "$1" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
}
# As a JSON list for the bundler.
json_list() { printf '"%s"' "$(printf '%s' "$1" | sed 's/, /", "/g')"; }

step "the desktop app: dist/kinboard_${version}_${arch}.deb (Tauri's bundler)"
# (npm ci refuses a lock that lists only the platforms the registry has.)
(cd packaging && npm install --no-audit --no-fund --loglevel=error)
# The bundler takes the directory that holds tauri.conf.json for the
# app's own (it reads the Cargo manifest there): the configuration is at
# the repository's root, so it is shown to the bundler from src-tauri for
# this step only.
link="$root/src-tauri/tauri.conf.json"
[ -e "$link" ] && { echo "$link exists: remove it" >&2; exit 1; }
trap 'rm -f "$link"' EXIT
ln -s ../tauri.conf.json "$link"
# What only the package needs, merged over tauri.conf.json (absolute paths).
cat > "$stage/deb.conf.json" <<JSON
{
  "bundle": {
    "icon": ["$root/icons/32x32.png", "$root/icons/128x128.png", "$root/icons/icon.png"],
    "publisher": "Kinboard Developers <dev@kinboard.org>",
    "homepage": "https://github.com/kinboard/kinboard",
    "category": "Utility",
    "shortDescription": "Family dashboard: chore timers, chores and stars on every screen",
    "longDescription": "Kinboard keeps a household's chore timers, chores and star balances\nin sync on every screen in real time: the parents' computers, a kitchen\nscreen running fullscreen, the tray. A timer that runs out notifies\neverywhere and chimes; a parent confirms it and the child's stars go up.\nOne computer can host the household itself.",
    "linux": {
      "deb": {
        "section": "utils",
        "priority": "optional",
        "depends": [$(json_list "$(shlibs "$profile/kinboard")"), "gstreamer1.0-plugins-base"],
        "recommends": ["gstreamer1.0-plugins-good"],
        "files": {
          "/usr/share/doc/kinboard/copyright": "$root/packaging/copyright",
          "/usr/share/doc/kinboard/changelog.gz": "$stage/changelog.gz",
          "/usr/share/man/man1/kinboard.1.gz": "$stage/kinboard.1.gz"
        }
      }
    }
  }
}
JSON
# The bundler packs <target>/release/kinboard: a target directory of its
# own holds the stripped copy.
mkdir -p "$stage/bundle-target/release"
cp "$stage/$profile/kinboard" "$stage/bundle-target/release/kinboard"
(cd src-tauri && CARGO_TARGET_DIR="$stage/bundle-target" TAURI_APP_PATH="$root/src-tauri" \
  "$root/packaging/node_modules/.bin/tauri" bundle --bundles deb --config "$stage/deb.conf.json" --no-binary-patching)
rm -f "$link"
trap - EXIT
built=$(find "$stage/bundle-target/release/bundle/deb" -name '*.deb' | head -n1)
[ -n "$built" ] || { echo "the bundler made no .deb" >&2; exit 1; }
cp "$built" "$dist/kinboard_${version}_${arch}.deb"

step "the household server: dist/kinboard-server_${version}_${arch}.deb"
pkg="$stage/kinboard-server"
install -d -m 0755 "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/kinboard" \
  "$pkg/usr/share/doc/kinboard-server" "$pkg/usr/share/man/man8"
install -m 0755 "$stage/$profile/kinboard-server" "$pkg/usr/bin/kinboard-server"
install -m 0644 packaging/kinboard-server.service "$pkg/lib/systemd/system/kinboard-server.service"
install -m 0644 packaging/server.env "$pkg/etc/kinboard/server.env"
install -m 0644 packaging/copyright "$pkg/usr/share/doc/kinboard-server/copyright"
install -m 0644 "$stage/kinboard-server.8.gz" "$pkg/usr/share/man/man8/kinboard-server.8.gz"
sed '1s/^kinboard /kinboard-server /' packaging/changelog | gzip -9n > "$pkg/usr/share/doc/kinboard-server/changelog.gz"
chmod 0644 "$pkg/usr/share/doc/kinboard-server/changelog.gz"
install -m 0755 packaging/server-debian/postinst packaging/server-debian/prerm packaging/server-debian/postrm "$pkg/DEBIAN/"
echo /etc/kinboard/server.env > "$pkg/DEBIAN/conffiles"
depends=$(shlibs kinboard-server/usr/bin/kinboard-server)
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: kinboard-server
Version: $version
Architecture: $arch
Maintainer: Kinboard Developers <dev@kinboard.org>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Homepage: https://github.com/kinboard/kinboard
Description: Kinboard household server for the family dashboard
 Kinboard keeps a household's chore timers, chores and star balances in
 sync on every screen in real time. This package runs the household's
 server on its own, on a small computer that is always on: the REST API,
 the real-time relay the screens connect to, and a SQLite database with a
 copy a day for a week, as a hardened systemd service.
 .
 Settings are in /etc/kinboard/server.env; the data in /var/lib/kinboard.
CONTROL
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/control" "$pkg/DEBIAN/conffiles"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$dist/kinboard-server_${version}_${arch}.deb" >/dev/null

step "built"
ls -l "$dist"/*_"${version}"_"${arch}".deb
