#!/usr/bin/env bash
# Production drill: docs/production.md tried as written on this machine.
# PostgreSQL + Redis (RQ) + two gunicorn web processes behind nginx with TLS
# (a self-signed certificate), the job worker and the scheduler, started from
# the ExecStart lines of the systemd units rendered by deploy/render.sh (this
# container has no systemd as PID 1, so the drill runs those lines itself
# with the unit's environment file and working directory). It requests
# /healthz and the login page through nginx over HTTPS, posts the login form
# (CSRF and proxy headers), takes a backup, then stops everything and drops
# its database. Loopback only; every wait is bounded; about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_DIR="$(pwd)"
PY="$APP_DIR/.venv/bin/python"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
DB_NAME=dieuphoi_production_drill
REDIS_DB="${DRILL_REDIS_DB:-14}"
started=$(date +%s)
unset DIEUPHOI_TESTING  # production settings, as the units run them

command -v nginx >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
}
command -v openssl >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
}

work="$(mktemp -d /tmp/dieuphoi-production-drill.XXXXXX)"
mkdir -p "$work/logs" "$work/nginx-tmp" "$work/var"
pids=()

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
HTTPS_PORT=$(free_port); HTTP_PORT=$(free_port); WEB1=$(free_port); WEB2=$(free_port)
ORIGIN="https://localhost:$HTTPS_PORT"

cleanup() {
  set +e
  [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for _ in $(seq 1 30); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  psql "$PG_URL/postgres" -qXc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1
  if [ "${drill_ok:-0}" != 1 ]; then
    for log in "$work"/logs/*.log; do
      echo "---- $(basename "$log") (last lines)"; tail -n 25 "$log"
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "production drill: $*" >&2; exit 1; }

echo "== environment file (from .env.example, as the guide says)"
secret=$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
  cat .env.example
  cat <<EOF
# -- drill overrides --
SECRET_KEY=$secret
ALLOWED_HOSTS=localhost,127.0.0.1
CSRF_TRUSTED_ORIGINS=$ORIGIN
SITE_URL=$ORIGIN
DATABASE_URL=$PG_URL/$DB_NAME
TASKS_BACKEND=rq
REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
MEDIA_ROOT=$work/var/media
BACKUP_DIR=$work/var/backups
EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
EMAIL_FILE_PATH=$work/var/mail
WEB_CONCURRENCY=2
EOF
} >"$work/dieuphoi.env"
chmod 600 "$work/dieuphoi.env"

# systemd's EnvironmentFile: KEY=VALUE lines, # comments, the last one wins.
load_env() {
  while IFS= read -r line; do
    case "$line" in '' | '#'*) continue ;; esac
    export "${line?}"
  done <"$1"
}

echo "== render the units and the nginx site (deploy/render.sh)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/tls.key" -out "$work/tls.pem" 2>/dev/null
APP_DIR="$APP_DIR" ENV_FILE="$work/dieuphoi.env" RUN_USER="$(id -un)" \
  RUN_GROUP="$(id -gn)" WEB_PORTS="$WEB1 $WEB2" SERVER_NAME=localhost \
  SITE_ORIGIN="$ORIGIN" HTTPS_LISTEN="127.0.0.1:$HTTPS_PORT" \
  HTTP_LISTEN="127.0.0.1:$HTTP_PORT" LOG_DIR="$work/logs" \
  TLS_CERT="$work/tls.pem" TLS_KEY="$work/tls.key" \
  deploy/render.sh "$work/rendered" >/dev/null

echo "== database, migrations, static files, deploy checks"
PGOPTIONS=--client-min-messages=warning \
  psql "$PG_URL/postgres" -qXc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql "$PG_URL/postgres" -qXc "CREATE DATABASE $DB_NAME" >/dev/null
export ENV_FILE="$work/dieuphoi.env"
timeout 180 deploy/manage.sh migrate --no-input -v0
timeout 180 deploy/manage.sh collectstatic --no-input -v0
timeout 60 deploy/manage.sh check --deploy --fail-level WARNING

# ExecStart of a rendered unit, with %i replaced by the instance.
exec_start() {
  local unit="$work/rendered/systemd/$1" instance="${2:-}"
  grep -m1 '^ExecStart=' "$unit" | cut -d= -f2- | sed "s|%i|$instance|g"
}
start_unit() {
  local name="$1" unit="$2" instance="${3:-}" cmd
  cmd="$(exec_start "$unit" "$instance")"
  (
    load_env "$work/dieuphoi.env"
    cd "$APP_DIR"
    # shellcheck disable=SC2086 # the ExecStart line is split like systemd does
    exec setsid $cmd >"$work/logs/$name.log" 2>&1
  ) &
  pids+=($!)
  echo "started $name (pid $!): $cmd"
}

echo "== start web x2, worker, scheduler (ExecStart lines of the units)"
start_unit "web-$WEB1" "dieuphoi-web@.service" "$WEB1"
start_unit "web-$WEB2" "dieuphoi-web@.service" "$WEB2"
start_unit worker dieuphoi-worker.service
start_unit scheduler dieuphoi-scheduler.service

for port in "$WEB1" "$WEB2"; do
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    sleep 0.5
  done
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/healthz" ||
    fail "gunicorn on port $port did not come up"
done

echo "== nginx with TLS on 127.0.0.1:$HTTPS_PORT"
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/nginx-main.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $work/nginx-tmp/body;
    proxy_temp_path $work/nginx-tmp/proxy;
    fastcgi_temp_path $work/nginx-tmp/fastcgi;
    uwsgi_temp_path $work/nginx-tmp/uwsgi;
    scgi_temp_path $work/nginx-tmp/scgi;
    include $work/rendered/nginx/dieuphoi.conf;
}
EOF
nginx -t -q -c "$work/nginx.conf" -p "$work" 2>"$work/logs/nginx-test.log" ||
  fail "nginx -t: $(cat "$work/logs/nginx-test.log")"
nginx -c "$work/nginx.conf" -p "$work"

CURL=(curl -sS -k --max-time 10 --resolve "localhost:$HTTPS_PORT:127.0.0.1")
for _ in $(seq 1 20); do
  "${CURL[@]}" -o /dev/null "$ORIGIN/healthz" 2>/dev/null && break
  sleep 0.5
done

echo "== requests through nginx over HTTPS"
code=$("${CURL[@]}" -o "$work/healthz.json" -w '%{http_code}' "$ORIGIN/healthz")
[ "$code" = 200 ] || fail "/healthz answered $code: $(cat "$work/healthz.json")"
grep -q '"ok"' "$work/healthz.json" || fail "/healthz: $(cat "$work/healthz.json")"
echo "GET /healthz: 200 $(cat "$work/healthz.json")"

code=$("${CURL[@]}" -c "$work/cookies" -D "$work/login.headers" \
  -o "$work/login.html" -w '%{http_code}' "$ORIGIN/accounts/login/")
[ "$code" = 200 ] || fail "login page answered $code"
grep -qi '^strict-transport-security:' "$work/login.headers" || fail "no HSTS header"
grep -qi '^x-request-id:' "$work/login.headers" || fail "no X-Request-ID header"
grep -qi '^set-cookie: csrftoken=.*secure' "$work/login.headers" ||
  fail "the CSRF cookie is not marked Secure"
echo "GET /accounts/login/: 200, HSTS, X-Request-ID, Secure cookies"

# A form post through the proxy: HTTPS seen by Django (X-Forwarded-Proto),
# the Host with its port and the Origin accepted by the CSRF check. A wrong
# password gives the form again (200), a CSRF failure would give 403.
token=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$work/login.html" | head -1)
[ -n "$token" ] || fail "no CSRF token in the login form"
code=$("${CURL[@]}" -b "$work/cookies" -o "$work/post.html" -w '%{http_code}' \
  -H "Origin: $ORIGIN" -H "Referer: $ORIGIN/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=drill" \
  --data-urlencode "password=not-the-password" "$ORIGIN/accounts/login/")
[ "$code" = 200 ] || fail "login POST through nginx answered $code (403 = CSRF/proxy headers)"
echo "POST /accounts/login/ (wrong password): 200, CSRF passed through the proxy"

code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' \
  "http://127.0.0.1:$HTTP_PORT/healthz" -H "Host: localhost")
[[ "$code" == "301 $ORIGIN/healthz" ]] || fail "plain HTTP answered '$code'"
echo "GET http://…/healthz: 301 to HTTPS"
if "${CURL[@]}" -o /dev/null -H "Host: evil.example" "$ORIGIN/healthz" 2>/dev/null; then
  fail "a request for another host name was answered"
fi
echo "Host: evil.example: connection closed (444)"

echo "== worker and scheduler running"
for _ in $(seq 1 20); do
  workers=$(redis-cli -n "$REDIS_DB" --raw SCARD rq:workers 2>/dev/null || echo 0)
  [ "${workers:-0}" -ge 1 ] && break
  sleep 0.5
done
[ "${workers:-0}" -ge 1 ] || fail "no RQ worker registered in Redis db $REDIS_DB"
for pid in "${pids[@]}"; do kill -0 "$pid" || fail "a process (pid $pid) has exited"; done
echo "RQ workers registered: $workers; web, worker, scheduler alive"

echo "== backup with the production environment"
timeout 120 deploy/manage.sh backup
timeout 60 deploy/manage.sh restore latest --verify-only

grep -q '"GET /healthz' "$work/logs/web-$WEB1.log" "$work/logs/web-$WEB2.log" ||
  fail "no access log line in gunicorn's log"
grep -q 'rid=' "$work/logs/dieuphoi.access.log" || fail "no line in nginx's access log"
echo "nginx log line: $(grep -h 'GET /accounts/login/' "$work/logs/dieuphoi.access.log" | head -1)"
echo "access log line: $(grep -h '"GET /accounts/login/' "$work"/logs/web-*.log | head -1)"

drill_ok=1
echo "production drill passed in $(($(date +%s) - started)) s"
