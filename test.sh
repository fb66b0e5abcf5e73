#!/usr/bin/env bash
# Install everything the tests need and run the whole suite (lint + tests).
# The database is chosen by DATABASE_URL (default: SQLite), e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ./test.sh
set -uo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh dev || exit 1
# Debian's Chromium for the headless-browser tests (never `playwright install`: it downloads).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || { echo "could not install chromium" >&2; exit 1; }
  else
    echo "Chromium missing: run 'sudo apt-get install chromium' (browser tests will be skipped)." >&2
  fi
fi
.venv/bin/ruff check . || exit 1
# The layers of docs/architecture.md (.importlinter): a broken layer names the offending import.
.venv/bin/lint-imports --no-cache || exit 1
.venv/bin/python manage.py makemigrations --check --dry-run -v0 --settings=config.settings.test \
  || { echo "Model changes without a migration." >&2; exit 1; }
.venv/bin/pytest "$@"
rc=$?
# pytest exits 5 when no test was collected; that is not a failure of the suite.
[ $rc -eq 5 ] && rc=0
exit $rc
