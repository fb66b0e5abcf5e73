#!/usr/bin/env bash
# Install, migrate the embedded SQLite database, load reference + synthetic demo data and start the platform.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=config.settings.dev
# The demo runs without debug pages (friendly 403/404); the static files are collected and served by WhiteNoise.
export DEBUG=0
mkdir -p var
PY=.venv/bin/python
$PY manage.py migrate --noinput -v0
$PY manage.py load_reference_data
$PY manage.py load_demo_data
$PY manage.py schedule_jobs >/dev/null
# The hashed, compressed static files the pages link to, as in production: with DEBUG=0 the templates need
# collectstatic's manifest, which a fresh clone does not have yet, and WhiteNoise serves them (--nostatic:
# runserver's own static handler knows only the unhashed names and answered the pages' links with errors).
$PY manage.py collectstatic --noinput -v0
# The task queue's worker (e-mail, the daily jobs) beside the server; stopped with it.
$PY manage.py qcluster >var/queue.log 2>&1 &
QUEUE_PID=$!
trap 'kill $QUEUE_PID 2>/dev/null; wait $QUEUE_PID 2>/dev/null' EXIT INT TERM
cat <<MSG

  Vækst Via Viden 2.0 kører nu på  http://127.0.0.1:8000/
  Database: ${DATABASE_URL:-var/viaviden.sqlite3 (SQLite)}

  Log ind med en af demobrugerne ovenfor (adgangskoden står ovenfor) og en engangskode fra
      .venv/bin/python manage.py totp_code koordinator
  (eller tilføj den viste hemmelighed i en authenticator-app). API-dokumentation: http://127.0.0.1:8000/api/docs
  Opgavekøen (e-mail og de daglige kørsler) kører ved siden af; log i var/queue.log.
  Stop med Ctrl+C.

MSG
$PY manage.py runserver --nostatic 127.0.0.1:8000
