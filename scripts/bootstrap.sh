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
