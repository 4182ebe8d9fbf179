#!/usr/bin/env bash
# Render the systemd units and the nginx site of deploy/ for one machine.
#   deploy/render.sh OUT_DIR
# Settings (environment, defaults in brackets):
#   APP_DIR [this checkout]  ENV_FILE [/etc/dieuphoi/dieuphoi.env]
#   RUN_USER [dieuphoi]  RUN_GROUP [$RUN_USER]  WEB_PORTS ["8001 8002"]
#   SERVER_NAME [dieuphoi.example.vn]  SITE_ORIGIN [https://$SERVER_NAME]
#   HTTPS_LISTEN [443]  HTTP_LISTEN [80]  LOG_DIR [/var/log/nginx]
#   TLS_CERT [/etc/ssl/certs/dieuphoi.pem]  TLS_KEY [/etc/ssl/private/dieuphoi.key]
# Writes OUT_DIR/systemd/*.service|timer and OUT_DIR/nginx/dieuphoi.conf.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: deploy/render.sh OUT_DIR}"
APP_DIR="${APP_DIR:-$(dirname "$here")}"
ENV_FILE="${ENV_FILE:-/etc/dieuphoi/dieuphoi.env}"
RUN_USER="${RUN_USER:-dieuphoi}"
RUN_GROUP="${RUN_GROUP:-$RUN_USER}"
WEB_PORTS="${WEB_PORTS:-8001 8002}"
SERVER_NAME="${SERVER_NAME:-dieuphoi.example.vn}"
SITE_ORIGIN="${SITE_ORIGIN:-https://$SERVER_NAME}"
HTTPS_LISTEN="${HTTPS_LISTEN:-443}"
HTTP_LISTEN="${HTTP_LISTEN:-80}"
LOG_DIR="${LOG_DIR:-/var/log/nginx}"
TLS_CERT="${TLS_CERT:-/etc/ssl/certs/dieuphoi.pem}"
TLS_KEY="${TLS_KEY:-/etc/ssl/private/dieuphoi.key}"

upstreams=""
for port in $WEB_PORTS; do
  upstreams+="    server 127.0.0.1:${port} max_fails=1 fail_timeout=10s;\\n"
done

render() {
  sed -e "s|@APP_DIR@|$APP_DIR|g" -e "s|@ENV_FILE@|$ENV_FILE|g" \
      -e "s|@USER@|$RUN_USER|g" -e "s|@GROUP@|$RUN_GROUP|g" \
      -e "s|@SERVER_NAME@|$SERVER_NAME|g" -e "s|@SITE_ORIGIN@|$SITE_ORIGIN|g" \
      -e "s|@HTTPS_LISTEN@|$HTTPS_LISTEN|g" -e "s|@HTTP_LISTEN@|$HTTP_LISTEN|g" \
      -e "s|@LOG_DIR@|$LOG_DIR|g" -e "s|@TLS_CERT@|$TLS_CERT|g" \
      -e "s|@TLS_KEY@|$TLS_KEY|g" -e "s|^@UPSTREAMS@\$|${upstreams%\\n}|" "$1"
}

mkdir -p "$out/systemd" "$out/nginx"
for unit in "$here"/systemd/*; do
  render "$unit" >"$out/systemd/$(basename "$unit")"
done
render "$here/nginx/dieuphoi.conf" >"$out/nginx/dieuphoi.conf"
if grep -rn '@[A-Z_]*@' "$out" >/dev/null; then
  echo "render.sh: placeholders left:" >&2
  grep -rn '@[A-Z_]*@' "$out" >&2
  exit 1
fi
echo "Rendered into $out"
