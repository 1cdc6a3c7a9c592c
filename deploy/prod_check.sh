#!/usr/bin/env bash
# `make prod-check`: the production command lines without Docker. gunicorn with DEBUG off on a fresh PostgreSQL
# database, `check --deploy` with the documented production environment, then a smoke test over real HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PORT=${PROD_CHECK_PORT:-8765}
DB="spends_prodcheck_$$"
WORK=$(mktemp -d)
GUNICORN_PID=""

cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null || true
  psql -h "$PGHOST" -p "$PGPORT" -U postgres -q -c "DROP DATABASE IF EXISTS ${DB}" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -h "$PGHOST" -p "$PGPORT" -U postgres -q -c "CREATE DATABASE ${DB}"

export DEBUG=false
export SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DATABASE_URL="postgres://postgres@${PGHOST}:${PGPORT}/${DB}"
export DATABASE_POOL=true
export CACHE_URL=${PROD_CHECK_CACHE_URL:-redis://127.0.0.1:6379/15}
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATA_DIR="$WORK/data"
export STATIC_ROOT="$WORK/static"
export GUNICORN_BIND="127.0.0.1:${PORT}"
export GUNICORN_WORKERS=2

echo "== check --deploy with the documented production settings (behind a TLS proxy)"
SECURE_PROXY_SSL_HEADER=true SECURE_SSL_REDIRECT=true SESSION_COOKIE_SECURE=true CSRF_COOKIE_SECURE=true \
  SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=true SECURE_HSTS_PRELOAD=true \
  $PY manage.py check --deploy --fail-level WARNING

echo "== migrate, collectstatic, smoke user"
$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
SMOKE_PASSWORD="$($PY -c 'import secrets; print(secrets.token_urlsafe(16))')"
$PY manage.py shell -c "from django.contrib.auth import get_user_model; get_user_model().objects.create_user('smoke', password='${SMOKE_PASSWORD}')"

echo "== gunicorn on ${GUNICORN_BIND} (DEBUG off, PostgreSQL with a connection pool)"
.venv/bin/gunicorn -c gunicorn.conf.py spends.wsgi > "$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
  curl -fsS "http://${GUNICORN_BIND}/api/health" >/dev/null 2>&1 && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$WORK/gunicorn.log"; exit 1; }
  sleep 0.5
done
if ! $PY deploy/smoke.py "http://${GUNICORN_BIND}" smoke "$SMOKE_PASSWORD"; then
  echo "--- gunicorn log"; tail -n 50 "$WORK/gunicorn.log"; exit 1
fi
echo "--- last request log lines"; tail -n 3 "$WORK/gunicorn.log"

echo "== the image's HEALTHCHECK command (deploy/healthcheck.py): healthy while gunicorn serves"
$PY deploy/healthcheck.py

echo "== SIGTERM (what docker stop sends to the image's exec-form CMD): gunicorn stops gracefully, exit 0"
kill -TERM "$GUNICORN_PID"
GUNICORN_RC=0
wait "$GUNICORN_PID" || GUNICORN_RC=$?
GUNICORN_PID=""
if [ "$GUNICORN_RC" -ne 0 ]; then
  echo "gunicorn exited with $GUNICORN_RC after SIGTERM"; tail -n 20 "$WORK/gunicorn.log"; exit 1
fi
grep -q "Shutting down: Master" "$WORK/gunicorn.log" || { echo "no graceful shutdown in the log"; exit 1; }
if $PY deploy/healthcheck.py 2>/dev/null; then echo "the health check passed with gunicorn stopped"; exit 1; fi
echo "== prod-check passed"
