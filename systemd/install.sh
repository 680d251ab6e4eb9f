#!/usr/bin/env bash
# Installs (or updates) the CrackCam service on a vehicle computer. Idempotent: run it again after
# building a new jar; an existing /etc/crackcam/config.yaml is never overwritten.
#
#   sudo systemd/install.sh [--jar target/crackcam.jar] [--config device-config/jetson-orin-nano.yaml]
#                           [--bundle models/edge-synthetic] [--no-start]
#
# Creates: system user/group crackcam (member of video), /opt/crackcam/{crackcam.jar,models/,docs/},
# /etc/crackcam/config.yaml (0640 root:crackcam), /var/lib/crackcam/{outbox,trt} (via
# StateDirectory= as well), /etc/systemd/system/crackcam.service; then enables and (re)starts it.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=target/crackcam.jar
CONFIG=""
BUNDLE=models/edge-synthetic
START=1
PREFIX=/opt/crackcam
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) JAR="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --bundle) BUNDLE="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 2; }
[ -f "$JAR" ] || { echo "install.sh: $JAR not found; build it with: mvn -B package -DskipTests" >&2; exit 2; }
command -v java >/dev/null || { echo "install.sh: java (17+) not found; apt-get install openjdk-17-jre-headless" >&2; exit 2; }
command -v systemd-notify >/dev/null || { echo "install.sh: systemd-notify not found" >&2; exit 2; }

# 1. user and group (system account, no login, no home)
if ! getent group crackcam >/dev/null; then groupadd --system crackcam; fi
if ! id crackcam >/dev/null 2>&1; then
  useradd --system --gid crackcam --no-create-home --home-dir /var/lib/crackcam \
          --shell /usr/sbin/nologin --comment "CrackCam service" crackcam
fi
getent group video >/dev/null && usermod -a -G video crackcam

# 2. program, model bundle, docs
install -d -m 0755 "$PREFIX" "$PREFIX/models" "$PREFIX/docs"
install -m 0644 "$JAR" "$PREFIX/crackcam.jar.new" && mv -f "$PREFIX/crackcam.jar.new" "$PREFIX/crackcam.jar"
if [ -d "$BUNDLE" ]; then
  name=$(basename "$BUNDLE")
  rm -rf "$PREFIX/models/$name.new" && cp -r "$BUNDLE" "$PREFIX/models/$name.new"
  rm -rf "$PREFIX/models/$name" && mv "$PREFIX/models/$name.new" "$PREFIX/models/$name"
else
  echo "install.sh: warning: bundle $BUNDLE not found; install one under $PREFIX/models/" >&2
fi
[ -f docs/service.md ] && install -m 0644 docs/service.md "$PREFIX/docs/service.md"

# 3. configuration (kept when present)
install -d -m 0750 -o root -g crackcam /etc/crackcam
if [ ! -f /etc/crackcam/config.yaml ]; then
  src=${CONFIG:-device-config/reference.yaml}
  install -m 0640 -o root -g crackcam "$src" /etc/crackcam/config.yaml
  echo "install.sh: installed $src as /etc/crackcam/config.yaml: edit device.id, camera and broker"
elif [ -n "$CONFIG" ]; then
  echo "install.sh: /etc/crackcam/config.yaml exists; left unchanged (new profile: $CONFIG)"
fi
java -jar "$PREFIX/crackcam.jar" check-config /etc/crackcam/config.yaml \
  || { echo "install.sh: fix /etc/crackcam/config.yaml, then run install.sh again" >&2; exit 2; }

# 4. state (systemd's StateDirectory= creates it too; made here for the first check-config/run)
install -d -m 0750 -o crackcam -g crackcam /var/lib/crackcam /var/lib/crackcam/outbox /var/lib/crackcam/trt

# 5. unit
install -m 0644 systemd/crackcam.service /etc/systemd/system/crackcam.service
systemd-analyze verify /etc/systemd/system/crackcam.service
systemctl daemon-reload
systemctl enable crackcam.service >/dev/null
if [ "$START" -eq 1 ]; then
  systemctl restart crackcam.service
  echo "install.sh: started; follow it with: journalctl -u crackcam -f"
fi
