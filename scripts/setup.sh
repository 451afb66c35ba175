#!/usr/bin/env bash
# Set Vigie up on a fresh Debian machine (as root) and run it.
#   bash scripts/setup.sh demo    # install, then run the daemon on the demo town fleet
#   bash scripts/setup.sh test    # install, then run the whole test suite
# Idempotent: Debian packages are installed only when missing, the venv is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in demo|test) ;; *) echo "usage: $0 demo|test" >&2; exit 2 ;; esac
shift || true

# Debian packages: Python, the real peers the tests run against, and the comparison tools.
packages=(python3 python3-venv python3-dev gcc openssl iproute2 util-linux systemd
          snmpd snmp prometheus prometheus-alertmanager prometheus-snmp-exporter
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Package scripts may try to start services; we run our own instances on loopback.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A venv made from Debian's python (snmpsim, run as nobody, must be able to read it).
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv .venv
fi
stamp=.venv/.vigie-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[setup] pip install -e .[test]" >&2
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  touch "$stamp"
fi

if [ "$mode" = demo ]; then
  exec .venv/bin/vigie demo "$@"
else
  exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
fi
