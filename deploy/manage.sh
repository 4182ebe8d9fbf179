#!/usr/bin/env bash
# manage.py with the production environment file, as the systemd units run:
#   deploy/manage.sh migrate        ENV_FILE=/path/to/env deploy/manage.sh backup
set -euo pipefail
app="$(cd "$(dirname "$0")/.." && pwd)"
env_file="${ENV_FILE:-/etc/dieuphoi/dieuphoi.env}"
# systemd's EnvironmentFile: KEY=VALUE lines, # comments; the last one wins.
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  export "${line?}"
done <"$env_file"
cd "$app"
exec "$app/.venv/bin/python" manage.py "$@"
