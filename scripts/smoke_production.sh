#!/usr/bin/env bash
# Production smoke test: the production stack on this machine, set up with docs/operations.md's own
# commands (every block marked `<!-- smoke: NAME -->` is extracted and run as written), then walked by
# scripts/smoke_walk.py. Starts what is not running (PostgreSQL, Redis), the application server with two
# workers, the queue worker and a local SMTP server on ports 8100-8109, and stops everything it started.
#
#   scripts/smoke_production.sh            # database `prod12` (created if missing), Redis db 1
#   SMOKE_DB=name scripts/smoke_production.sh
# Under CI (CI=true) the database gets its own name and is created and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GUIDE=docs/operations.md
WEB_PORT=8100
SMTP_PORT=8102
OWN_REDIS_PORT=8109
WORK=$(mktemp -d /tmp/viaviden-smoke.XXXXXX)
PIDS=()
DROP_DBS=()
PG="-h 127.0.0.1 -U postgres"

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for db in "${DROP_DBS[@]}"; do dropdb $PG --if-exists --force "$db" 2>/dev/null || true; done
  if [ $rc -ne 0 ]; then
    echo "--- smoke failed (exit $rc); last lines of the logs:" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -20 "$f" >&2; }; done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

say() { printf '== %s\n' "$*"; }

# The command block of the guide marked `<!-- smoke: NAME -->`.
guide() {
  awk -v name="$1" '
    $0 ~ "<!-- smoke: " name " -->" { want = 1; next }
    want && /^```/ { if (inside) exit; inside = 1; next }
    want && inside { print }
  ' "$GUIDE"
}
run_guide() {
  local block
  block=$(guide "$1")
  [ -n "$block" ] || { echo "docs/operations.md has no block '$1'" >&2; exit 1; }
  say "guide step '$1':"; printf '   %s\n' "$block"
  bash -euo pipefail -c "$block"
}
start_guide() {  # a long-running guide command in the background, its log in $WORK/NAME.log
  local block
  block=$(guide "$1")
  [ "$(printf '%s\n' "$block" | wc -l)" = 1 ] || { echo "guide block '$1' must be one command" >&2; exit 1; }
  say "guide step '$1' (background): $block"
  bash -c "exec $block" >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}

# The systemd units run the guide's commands (in /srv/viaviden).
for unit in web worker; do
  exec_start=$(sed -n 's#^ExecStart=/srv/viaviden/##p' "deploy/viaviden-$unit.service")
  [ "$exec_start" = "$(guide "$unit")" ] \
    || { echo "deploy/viaviden-$unit.service runs '$exec_start', the guide '$(guide "$unit")'" >&2; exit 1; }
done
grep -qF "$(guide backup | sed 's/%/%%/g')" deploy/viaviden-backup.service \
  || { echo "deploy/viaviden-backup.service does not run the guide's backup command" >&2; exit 1; }
say "systemd units run the guide's commands"

# --- Services this machine may not be running -----------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if [ "${CI:-}" = "true" ]; then SMOKE_DB=${SMOKE_DB:-viaviden_smoke_$$}; DROP_DBS+=("$SMOKE_DB"); fi
SMOKE_DB=${SMOKE_DB:-prod12}
psql $PG -Atc "SELECT 1 FROM pg_database WHERE datname = '$SMOKE_DB'" | grep -q 1 || createdb $PG "$SMOKE_DB"
RESTORE_DB="${SMOKE_DB}_restoretest"
dropdb $PG --if-exists --force "$RESTORE_DB"; createdb $PG "$RESTORE_DB"; DROP_DBS+=("$RESTORE_DB")

if ! command -v redis-server >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "redis-server is missing: apt-get install redis-server" >&2; exit 1; }
  say "installing redis-server"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null)
fi
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  REDIS_URL=redis://127.0.0.1:6379/1
else
  say "starting Redis on port $OWN_REDIS_PORT"
  redis-server --bind 127.0.0.1 --port $OWN_REDIS_PORT --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 30); do redis-cli -p $OWN_REDIS_PORT ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
  REDIS_URL=redis://127.0.0.1:$OWN_REDIS_PORT/1
fi
redis-cli -u "$REDIS_URL" flushdb >/dev/null  # the smoke test's own database number: a fresh rate-limit window

scripts/bootstrap.sh dev >/dev/null  # the SMTP test server (aiosmtpd) is a test tool
.venv/bin/python scripts/smtp_sink.py $SMTP_PORT "$WORK/mail" >"$WORK/smtp.log" 2>&1 &
PIDS+=($!)

# --- The production environment (docs/operations.md, section 3) ------------------------------------------
set -a
DJANGO_SETTINGS_MODULE=config.settings.production
REDIS_URL=$REDIS_URL
SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_urlsafe(48))")
PERSON_KEY_PEPPER=$(python3 -c "import secrets; print(secrets.token_urlsafe(24))")
SITE_URL=https://127.0.0.1
ALLOWED_HOSTS=127.0.0.1
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$SMOKE_DB
EMAIL_URL=smtp://127.0.0.1:$SMTP_PORT
MEDIA_ROOT=$WORK/media
GUNICORN_BIND=127.0.0.1:$WEB_PORT
GUNICORN_WORKERS=2
GUNICORN_ACCESS_LOG=$WORK/access.log
QUEUE_WORKERS=1
QUEUE_NAME=smoke$$
CACHE_KEY_PREFIX=smoke$$
LOG_LEVEL=WARNING
BACKUP_DIR=$WORK/backups
BACKUP_PASSPHRASE=smoke-test-passphrase-$$
set +a
# The same secrets on every run against a kept database (person keys and signed links depend on them).
if [ "${CI:-}" != "true" ] && [ -f var/smoke-secrets.env ]; then set -a; . var/smoke-secrets.env; set +a; fi
if [ "${CI:-}" != "true" ]; then
  mkdir -p var; printf 'SECRET_KEY=%s\nPERSON_KEY_PEPPER=%s\n' "$SECRET_KEY" "$PERSON_KEY_PEPPER" >var/smoke-secrets.env
fi

run_guide install
run_guide prepare
say "synthetic demo data (smoke test only: users and published cases to walk)"
.venv/bin/python manage.py load_demo_data --allow-production >/dev/null

start_guide web
start_guide worker
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5
done

say "walking the site"
SMOKE_BASE_URL=http://127.0.0.1:$WEB_PORT SMOKE_MAIL_DIR=$WORK/mail SMOKE_ACCESS_LOG=$WORK/access.log \
  .venv/bin/python scripts/smoke_walk.py

grep -q '"level": "WARNING", "logger": "django.request", "message": "Not Found: /findes-ikke/"' "$WORK/web.log" \
  || { echo "the 404 was not logged as one JSON line" >&2; exit 1; }
if grep -q 'Traceback' "$WORK/web.log"; then echo "a traceback in the web log" >&2; exit 1; fi
say "404 logged as one JSON line, no tracebacks"

mkdir -p "$MEDIA_ROOT/cases" && echo "synthetic upload" >"$MEDIA_ROOT/cases/smoke.txt"
run_guide backup
BACKUP_FILE=$(ls "$BACKUP_DIR"/viaviden-*.vvvbak | head -1)
RESTORE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$RESTORE_DB
export BACKUP_FILE RESTORE_TEST_DATABASE_URL
run_guide restore-test
say "production smoke test passed"
