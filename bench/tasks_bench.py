"""Task list, summary and API under load, against the bare view.

Runs the production server (gunicorn) on a data set built by
``manage.py seed_scale`` and drives it with wrk at concurrency 8, then
prints median and p95 latency, requests/s, each page's ratio to the bare
view measured in the same run, and the number of SQL queries per page.

    .venv/bin/python bench/tasks_bench.py --db sqlite --tasks 200000
    .venv/bin/python bench/tasks_bench.py --db postgres --tasks 200000

Needs wrk (``apt-get install wrk``). The data set is reused between runs
(``--reseed`` builds it again).
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import scale_data

ROOT = scale_data.ROOT
PY = scale_data.PY
manage = scale_data.manage
PORT = 8765


def bench_env(db: str) -> dict:
    return scale_data.bench_env(db, TASKS_BACKEND="dummy")


SETUP_SNIPPET = """
import django, json
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.db import connection
from dieuphoi.accounts import services as account_services
from dieuphoi.org.models import Agency
from dieuphoi.tasks.models import Sector, Task
User = get_user_model()
user = User.objects.get(username="thuky")
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
# The project's own login backend (it loads the menu flags with the user).
s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
_, token = account_services.api_token_create(user=user, name="bench")
# The busiest lead agency and sector: the hardest filtered list.
from django.db.models import Count
top = (Task.objects.values("lead_agency_id", "sector_id").annotate(n=Count("id"))
       .order_by("-n").first())
urls = {
  "bare": "/ping",
  "list_bucket": "/tasks/?bucket=overdue",
  "list_filtered": f"/tasks/?lead_agency={top['lead_agency_id']}&sector={top['sector_id']}&q=d%E1%BB%B1+%C3%A1n",
  "summary": "/tasks/summary/",
  "api_list": "/api/v1/tasks?bucket=overdue&limit=50",
}
queries = {}
c = Client()
c.cookies[settings.SESSION_COOKIE_NAME] = s.session_key
for name, url in urls.items():
    headers = {"HTTP_AUTHORIZATION": "Bearer " + token} if name.startswith("api") else {}
    c.get(url, **headers)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(url, **headers)
    queries[name] = {"status": r.status_code, "queries": len(ctx.captured_queries)}
print("SETUP" + json.dumps({"session": s.session_key, "token": token, "urls": urls, "queries": queries}))
"""


def setup_session(env) -> dict:
    import json

    out = subprocess.run(
        [PY, "-c", SETUP_SNIPPET],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "dieuphoi.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit("session set-up failed:\n" + out.stderr[-3000:])
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("SETUP"))
    return json.loads(line[5:])


def start_server(env, workers: int):
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "dieuphoi.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--threads",
            "1",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ping", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start: " + proc.stderr.read().decode())


RESULT_RE = re.compile(r"RESULT (.*)")


def run_wrk(
    url: str, headers: list[str], seconds: int, concurrency: int, threads: int = 2
) -> dict:
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        str(ROOT / "bench" / "wrk_report.lua"),
    ]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(f"http://127.0.0.1:{PORT}{url}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = RESULT_RE.search(out)
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--tasks", type=int, default=200000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--skip-prepare", action="store_true")
    args = ap.parse_args()

    env = bench_env(args.db)
    if not args.skip_prepare:
        scale_data.prepare(env, args.db, args.tasks, args.reseed, static=True)
    info = setup_session(env)
    server = start_server(env, args.workers)
    try:
        results, serial = {}, {}
        for name, url in info["urls"].items():
            headers = [f"Cookie: sessionid={info['session']}"]
            if name.startswith("api"):
                headers = [f"Authorization: Bearer {info['token']}"]
            run_wrk(url, headers, 2, args.concurrency)  # warm-up
            results[name] = run_wrk(url, headers, args.seconds, args.concurrency)
            # One request at a time: the server time of a single request
            # (plus loopback), which the p95 targets are stated in.
            serial[name] = run_wrk(url, headers, args.seconds, 1, threads=1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()

    base = results["bare"]
    print(
        f"\n{args.db}, {args.tasks} tasks, concurrency {args.concurrency}, "
        f"{args.workers} gunicorn workers, {args.seconds}s per page"
    )
    sbase = serial["bare"]
    print(
        f"{'':<31}{'--- concurrency ' + str(args.concurrency) + ' ---':^40}"
        f"{'--- one at a time ---':^29}"
    )
    print(
        f"{'page':<15}{'status':>7}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}"
        f"{'rps ratio':>11}{'p50 ms':>9}{'p95 ms':>9}{'p50 ratio':>11}"
    )
    for name, r in results.items():
        q = info["queries"][name]
        one = serial[name]
        print(
            f"{name:<15}{q['status']:>7}{q['queries']:>8}{r['p50']:>9.1f}{r['p95']:>9.1f}"
            f"{r['rps']:>9.0f}{base['rps'] / r['rps']:>10.1f}x"
            f"{one['p50']:>9.1f}{one['p95']:>9.1f}{one['p50'] / sbase['p50']:>10.1f}x"
        )
        if r["non2xx"] or r["errors"]:
            print(
                f"  warning: {int(r['non2xx'])} non-2xx, {int(r['errors'])} socket errors"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
