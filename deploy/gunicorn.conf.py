"""gunicorn settings for one web process (``dieuphoi-web@PORT.service``).

Read by ``gunicorn -c deploy/gunicorn.conf.py``; the port comes from the
command line (``--bind``). Logs go to standard error, which systemd sends to
the journal (``journalctl -u 'dieuphoi-web@*'``).
"""

import os

# Workers per process: 2-4 per core is usual; several processes (one unit
# per port) sit behind nginx so one can restart while the others serve.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# A request running longer is killed (its worker restarted); exports and
# documents are jobs, so no page needs more.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory growth in long-lived processes).
max_requests = 2000
max_requests_jitter = 200
# nginx on the same machine is the only client; it sets X-Forwarded-*.
forwarded_allow_ips = "127.0.0.1,::1"
proxy_allow_ips = "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# One line per request: client (from nginx), request, status, bytes,
# duration in microseconds, request id (shared with the audit log).
access_log_format = (
    '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(D)sus '
    'rid=%({x-request-id}o)s ua="%(a)s"'
)
