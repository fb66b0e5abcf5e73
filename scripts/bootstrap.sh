#!/usr/bin/env bash
# Create .venv and install the pinned dependencies (requirements*.txt, versions locked in constraints.txt).
# Usage: scripts/bootstrap.sh [dev]   — "dev" adds the test tools. Re-runs are fast (a stamp file per set).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
req=requirements.txt
[ "${1:-}" = "dev" ] && req=requirements-dev.txt
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1))." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed-$(cat "$req" requirements.txt constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req" -c constraints.txt
  touch "$stamp"
fi
# Debian's Pango and a font with Danish letters for WeasyPrint (the status reports' PDF/UA).
if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
      fonts-dejavu-core >/dev/null) || { echo "could not install Pango for the PDF reports" >&2; exit 1; }
  else
    echo "Pango missing: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core' (PDF reports)." >&2
  fi
fi
# Debian's wrk, the load generator of bench/http.py (development only).
if [ "${1:-}" = "dev" ] && ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
      || echo "could not install wrk (bench/http.py needs it)" >&2
  else
    echo "wrk missing: run 'sudo apt-get install wrk' (bench/http.py)." >&2
  fi
fi
