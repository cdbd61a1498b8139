#!/usr/bin/env bash
# Installs HomeSight as a systemd service on a device:
#   the `homesight` system user, /opt/homesight/releases/<version> with a `current` symlink,
#   /etc/homesight (config + secrets), state/cache folders (systemd creates them too), and the unit.
# Usage: sudo scripts/install-service.sh [--prefix /opt/homesight] [--no-start]
set -euo pipefail

PREFIX=/opt/homesight
START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 64 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then echo "run as root (sudo)" >&2; exit 77; fi
SRC="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="$(node -p "require('$SRC/package.json').version")"
NODE_BIN="$(command -v node || true)"
if [ -z "$NODE_BIN" ]; then echo "node (>= 20) is required" >&2; exit 69; fi

# 1. user and groups (video: camera devices)
if ! id homesight >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/homesight --shell /usr/sbin/nologin --user-group homesight
fi
getent group video >/dev/null && usermod -aG video homesight || true

# 2. compiled daemon (dist/, what the unit runs: HOMESIGHT_RUNTIME=dist), built in the source tree with its dev tools
if [ ! -x "$SRC/node_modules/.bin/tsc" ]; then echo "$SRC has no TypeScript compiler: run npm ci there first" >&2; exit 69; fi
(cd "$SRC" && npm run --silent build)

# 3. release folder and `current` symlink (switched atomically; fleet updates use the same layout)
REL="$PREFIX/releases/$VERSION"
mkdir -p "$REL"
rsync -a --delete --exclude node_modules --exclude .git --exclude var "$SRC/" "$REL/" 2>/dev/null || cp -a "$SRC/." "$REL/"
(cd "$REL" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund)
ln -sfn "$REL" "$PREFIX/current.tmp" && mv -Tf "$PREFIX/current.tmp" "$PREFIX/current"

# 4. config and secrets
install -d -m 0750 -o root -g homesight /etc/homesight /etc/homesight/secrets
if [ ! -f /etc/homesight/homesight.yaml ]; then
  install -m 0640 -o root -g homesight "$SRC/config/homesight.example.yaml" /etc/homesight/homesight.yaml
  echo "wrote /etc/homesight/homesight.yaml — edit it, then: homesight config check /etc/homesight/homesight.yaml"
fi

# 5. state folders (systemd's StateDirectory/CacheDirectory create them too; this makes first runs by hand work)
install -d -m 0750 -o homesight -g homesight /var/lib/homesight /var/cache/homesight

# 6. unit (node path adjusted to this machine)
sed "s#/usr/bin/node #$NODE_BIN #" "$SRC/systemd/homesight.service" > /etc/systemd/system/homesight.service
systemd-analyze verify /etc/systemd/system/homesight.service
systemctl daemon-reload
if [ "$START" -eq 1 ]; then
  systemctl enable --now homesight
  systemctl --no-pager status homesight || true
fi
echo "installed HomeSight $VERSION in $REL"
