#!/usr/bin/env bash
# Installs what the tests need (Debian packages) and runs every test: Python (pytest with
# Debian's /usr/bin/python3) and Java (Maven: unit and integration tests, real mosquitto,
# real video files, real ONNX Runtime sessions). Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

PKGS=(python3-torch python3-torchvision python3-onnx python3-opencv python3-numpy python3-pytest python3-matplotlib
      mosquitto mosquitto-clients ffmpeg openssl
      gpsd gpsd-clients systemd gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
      gstreamer1.0-plugins-bad gir1.2-gst-rtsp-server-1.0 python3-gi
      postgresql postgresql-postgis chromium chromium-driver)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== Python tests (tools/)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tools/tests

echo "== Java tests (Maven)"
mvn -B --no-transfer-progress verify
