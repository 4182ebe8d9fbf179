"""Task list, summary, API, notification centre and pipeline board under load,
as a user sees them: each page together with the fragments it loads itself.

Runs the production server (gunicorn) on a data set built by
``manage.py seed_scale`` and drives it with wrk, then prints, for each page
view and for each request in it: requests/s at concurrency 8, p50 and p95 one
at a time, the ratio to the bare view ``/ping`` (no session) measured in the
same run, the SQL queries per request, and the memory (VmRSS) of each gunicorn worker after
``--rss-requests`` requests.

    .venv/bin/python bench/tasks_bench.py --db sqlite --tasks 200000 --runs 3
    .venv/bin/python bench/tasks_bench.py --db postgres --tasks 20000 --runs 3

A page view is the page plus every fragment the page loads by itself: each
element of the page's HTML with ``hx-get`` and a ``load`` trigger (the task
list's counts strip ``?part=counts``, the header's notification badge, and
any fragment added later), requested with HTMX's ``HX-Request`` header. A
page shows a figure that is already cached in place and defers only a
missing one, so the fragments are found in each response as it comes, the
way the browser does (``WRK_FOLLOW``): a view loads what its own page asked
for, no more, no less, and the table says how many fragments a view loaded
on average. ``bare_session`` is ``/ping`` again with the session cookie: the
floor every signed-in page pays (session, user, second-factor device) before
its own work.

How a page view is measured: wrk runs one thread per connection with
``bench/wrk_report.lua`` given the page (``WRK_VIEW``); each connection
sends the page, then each fragment that response loads, then the page again,
in sequence, and the script times each complete view on its connection (first
byte sent to last byte of the last fragment). So at c=8 the page views/s are
completed views per second with eight users clicking at once (page and
fragment requests competing for the workers as they do in production); at c=1
the view's p50/p95 are the page followed by its fragments, one after the other
(a browser sends the fragments in parallel, so the user waits a little less).
The requests of a first view (the page with nothing cached, and each fragment
it loads) are also measured alone the same way (a view of one), and their
queries counted: the page's cached figures stay in each worker's cache
(local memory) for their lifetime (the badge 60 s, the strip 300 s), so a
first view is what a user pays for a new filter, or after a write.

``--runs N`` repeats the whole measurement and prints the median of the runs
(each ratio is taken within its own run, then the median of the ratios).

Needs wrk (``apt-get install wrk``). The data set is reused between runs
(``--reseed`` builds it again); ``BENCH_SQLITE_PATH`` / ``BENCH_DATABASE_URL``
choose the database, ``--port`` the port (8765).
"""

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import scale_data

ROOT = scale_data.ROOT
PY = scale_data.PY
manage = scale_data.manage
PORT = 8765
LUA = ROOT / "bench" / "wrk_report.lua"

# Targets of issue 13, flagged in the table.
TARGET_RATIO = 10  # page view at least 1/10 of /ping's req/s at c=8
TARGET_P95_MS = 50  # one at a time
TARGET_PAGE_QUERIES = 12
TARGET_API_QUERIES = 8
TARGET_RSS_MB = 150


def bench_env(db: str) -> dict:
    return scale_data.bench_env(db, TASKS_BACKEND="dummy")


SETUP_SNIPPET = """
import django, json, sys
django.setup()
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, parse_qs
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
# Signed in with the second factor, as production requires of this role:
# a confirmed TOTP device, the session verified by it (django-otp loads the
# device on each request, as it does for a real user).
import time
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from dieuphoi.accounts import middleware as login_policy
device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
if device is None:
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
s[DEVICE_ID_SESSION_KEY] = device.persistent_id
s[login_policy.AUTH_AT] = s[login_policy.SEEN_AT] = int(time.time())
s[login_policy.TWO_FACTOR] = account_services.two_factor_state(user=user)
s.create()
_, token = account_services.api_token_create(user=user, name="bench")
# The busiest lead agency and sector: the hardest filtered list.
from django.db.models import Count
top = (Task.objects.values("lead_agency_id", "sector_id").annotate(n=Count("id"))
       .order_by("-n").first())
urls = {
  "bare": "/ping",  # no session: the framework's floor (Redmine's robots.txt is anonymous too)
  "bare_session": "/ping",  # signed in: what every page pays before its own work
  "list_bucket": "/tasks/?bucket=overdue",
  "list_filtered": f"/tasks/?lead_agency={top['lead_agency_id']}&sector={top['sector_id']}&q=d%E1%BB%B1+%C3%A1n",
  "list_text": "/tasks/?q=%C4%91%E1%BA%A5t",  # free text alone: "đất"
  "summary": "/tasks/summary/",
  "api_list": "/api/v1/tasks?bucket=overdue&limit=50",
  "notifications": "/notifications/",
  "proposals_board": "/proposals/board/",
}
wanted = set(sys.argv[1].split(",")) if len(sys.argv) > 1 and sys.argv[1] else set(urls)
urls = {k: v for k, v in urls.items() if k in ("bare", "bare_session") or k in wanted}


class LoadTriggers(HTMLParser):
    # Elements that fetch a fragment by themselves: hx-get with a "load"
    # trigger ("load", "load delay:1s", "load, every 60s", ...).
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if not a.get("hx-get"):
            return
        events = [part.strip().split()[0] for part in (a.get("hx-trigger") or "").split(",") if part.strip()]
        if "load" in events:
            target = (a.get("hx-target") or "").lstrip("#") or a.get("id") or ""
            self.found.append({"url": a["hx-get"], "target": target, "trigger": a.get("id") or ""})

    handle_startendtag = handle_starttag


def label(url):
    parts = urlsplit(url)
    part = parse_qs(parts.query).get("part")
    if part:
        return part[0]
    return [p for p in parts.path.split("/") if p][-1]


c = Client()
c.cookies[settings.SESSION_COOKIE_NAME] = s.session_key
anonymous = Client()
def measure(url, headers, client=c):
    client.get(url, **headers)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **headers)
    return r, len(ctx.captured_queries)

pages = {}
for name, url in urls.items():
    api = name.startswith("api")
    headers = {"HTTP_AUTHORIZATION": "Bearer " + token} if api else {}
    r, n = measure(url, headers, anonymous if name == "bare" else c)
    page = {"url": url, "api": api, "status": r.status_code, "queries": n, "fragments": []}
    if not api and "html" in r.get("Content-Type", ""):
        parser = LoadTriggers()
        parser.feed(r.content.decode())
        for frag in parser.found:
            furl = urljoin(url, frag["url"])
            fheaders = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://127.0.0.1" + url}
            if frag["target"]:
                fheaders["HTTP_HX_TARGET"] = frag["target"]
            if frag["trigger"]:
                fheaders["HTTP_HX_TRIGGER"] = frag["trigger"]
            fr, fn = measure(furl, fheaders)
            page["fragments"].append({
                "name": label(furl), "url": furl, "status": fr.status_code, "queries": fn,
                "headers": {k[5:].replace("_", "-").title().replace("Hx-", "HX-"): v for k, v in fheaders.items()},
            })
        if parser.found:
            # The page again, its figures now cached: what a returning user
            # gets (the figures in place). Its fragments that still load.
            page["first_queries"] = n
            r, page["queries"] = measure(url, headers, c)
            again = LoadTriggers()
            again.feed(r.content.decode())
            page["loads_again"] = [label(urljoin(url, f["url"])) for f in again.found]
    pages[name] = page
print("SETUP" + json.dumps({"session": s.session_key, "cookie": settings.SESSION_COOKIE_NAME,
                            "token": token, "pages": pages}))
"""


def setup_session(env, pages: str = "") -> dict:
    out = subprocess.run(
        [PY, "-c", SETUP_SNIPPET, pages],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "dieuphoi.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit("session set-up failed:\n" + out.stderr[-3000:])
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("SETUP"))
    info = json.loads(line[5:])
    # Kept for callers of the first version: name -> page address.
    info["urls"] = {name: page["url"] for name, page in info["pages"].items()}
    return info


def view_requests(info: dict, name: str) -> list[tuple[str, dict]]:
    """The requests of one page view, in order: (path, headers)."""
    page = info["pages"][name]
    if name == "bare":
        return [(page["url"], {})]
    if page["api"]:
        return [(page["url"], {"Authorization": f"Bearer {info['token']}"})]
    cookie = {"Cookie": f"{info['cookie']}={info['session']}"}
    return [(page["url"], cookie)] + [
        (frag["url"], cookie | frag["headers"]) for frag in page["fragments"]
    ]


def start_server(
    env, workers: int, port: int = PORT, *, app: str = "dieuphoi.wsgi", cwd=ROOT
):
    """gunicorn serving ``app`` (ours by default) as the benchmarks run it,
    once it answers ``/ping``."""
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "1",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start: " + proc.stderr.read().decode())


def stop_server(proc) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_pids(proc) -> list[int]:
    with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
        return [int(p) for p in f.read().split()]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


RESULT_RE = re.compile(r"^(RESULT|VIEWS|FOLLOW) (.*)$", re.M)


def run_wrk_view(
    requests: list[tuple[str, dict]],
    seconds: float,
    concurrency: int,
    port: int = PORT,
    host: str = "127.0.0.1",
    follow: bool = False,
) -> dict:
    """Drive one page view (its requests in sequence on each connection) with
    wrk, one thread per connection. Returns ``{"requests": {...}, "views":
    {...}}`` with p50/p95/p99 (ms) and rps of requests and of whole views.
    ``follow``: each response's load-triggered fragments are loaded too, as
    part of the view (``"follow": {"pages", "fragments"}``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".view", delete=False) as f:
        for path, headers in requests:
            f.write("\t".join([path] + [f"{k}: {v}" for k, v in headers.items()]))
            f.write("\n")
    try:
        cmd = [
            "wrk",
            "-t",
            str(concurrency),
            "-c",
            str(concurrency),
            "-d",
            f"{max(1, round(seconds))}s",
            # A slow page view is measured, not dropped as a socket error.
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            f"http://{host}:{port}/",
        ]
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, WRK_VIEW=f.name, WRK_FOLLOW="1" if follow else "0"),
        ).stdout
    finally:
        os.unlink(f.name)
    found = {
        kind: {k: float(v) for k, v in (kv.split("=") for kv in rest.split())}
        for kind, rest in RESULT_RE.findall(out)
    }
    result = {"requests": found["RESULT"], "views": found["VIEWS"]}
    if "FOLLOW" in found:
        result["follow"] = found["FOLLOW"]
    return result


def run_wrk(
    url: str,
    headers: list[str],
    seconds: int,
    concurrency: int,
    threads: int = 2,
    port: int = PORT,
) -> dict:
    """One address alone (the first version's driver, kept for callers)."""
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s"]
    cmd += ["--latency", "-s", str(LUA)]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(f"http://127.0.0.1:{port}{url}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r"RESULT (.*)", out)
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def drive_requests(
    sequences: list[list[tuple[str, dict]]], total: int, concurrency: int, port: int
) -> int:
    """Send ``total`` requests from ``concurrency`` keep-alive connections,
    each connection going through the page views in turn (for the memory
    figure: the throughput of this Python driver does not matter)."""
    flat = [req for seq in sequences for req in seq]
    lock = threading.Lock()
    sent = [0]
    errors = [0]

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = offset
        while True:
            with lock:
                if sent[0] >= total:
                    break
                sent[0] += 1
            path, headers = flat[i % len(flat)]
            i += 1
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status >= 400:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [
        threading.Thread(target=worker, args=(k * 7,)) for k in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors[0]


def measure_run(info, names, args) -> dict:
    """One run: each page view and each of its requests, c=8 and c=1."""
    out = {}
    done: dict[tuple, dict] = {}  # the badge is the same request on every page
    for name in names:
        reqs = view_requests(info, name)
        page = reqs[:1]
        run_wrk_view(page, args.warmup, args.concurrency, args.port, follow=True)
        entry = {
            "view": {
                "c8": run_wrk_view(
                    page, args.seconds, args.concurrency, args.port, follow=True
                ),
                "c1": run_wrk_view(page, args.seconds, 1, args.port, follow=True),
            },
            "requests": [],
        }
        if len(reqs) > 1:
            for req in reqs:
                key = (req[0], tuple(sorted(req[1].items())))
                if key not in done:
                    done[key] = {
                        "c8": run_wrk_view(
                            [req], args.seconds, args.concurrency, args.port
                        ),
                        "c1": run_wrk_view([req], args.seconds, 1, args.port),
                    }
                entry["requests"].append(done[key])
        out[name] = entry
    return out


def median(values):
    return statistics.median(values) if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--tasks", type=int, default=200000)
    ap.add_argument("--seconds", type=int, default=10, help="per measurement")
    ap.add_argument("--warmup", type=int, default=2, help="seconds per page view")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--runs", type=int, default=1, help="print the median of N runs")
    ap.add_argument(
        "--rss-requests",
        type=int,
        default=10000,
        help="requests sent to a fresh server before reading each worker's RSS (0: skip)",
    )
    ap.add_argument(
        "--pages",
        default="",
        help="comma-separated subset: list_bucket,list_filtered,list_text,summary,api_list,"
        "notifications,proposals_board (default all; /ping is always measured)",
    )
    ap.add_argument("--port", type=int, default=PORT)
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--skip-prepare", action="store_true")
    args = ap.parse_args()

    env = bench_env(args.db)
    if not args.skip_prepare:
        scale_data.prepare(env, args.db, args.tasks, args.reseed, static=True)
    info = setup_session(env, args.pages)
    names = list(info["pages"])
    runs = []
    rss = None
    server = start_server(env, args.workers, args.port)
    try:
        for i in range(args.runs):
            t0 = time.monotonic()
            runs.append(measure_run(info, names, args))
            print(f"run {i + 1}/{args.runs}: {time.monotonic() - t0:.0f} s", flush=True)
    finally:
        stop_server(server)
    if args.rss_requests:
        server = start_server(env, args.workers, args.port)
        try:
            pids = worker_pids(server)
            before = {pid: rss_mb(pid) for pid in pids}
            seqs = [
                view_requests(info, name)
                for name in names
                if not name.startswith("bare")
            ]
            errors = drive_requests(
                seqs, args.rss_requests, args.concurrency, args.port
            )
            rss = {
                "before": before,
                "after": {pid: rss_mb(pid) for pid in pids},
                "errors": errors,
            }
        finally:
            stop_server(server)
    report(info, names, runs, rss, args)


def report(info, names, runs, rss, args) -> None:
    def med(name, path):
        """Median over the runs of a figure; path = ("view"|index, conc, kind, key)."""
        vals = []
        for run in runs:
            entry = run[name]
            node = entry["view"] if path[0] == "view" else entry["requests"][path[0]]
            vals.append(node[path[1]][path[2]][path[3]])
        return median(vals)

    def ratio(name, path_page, path_bare, invert=False):
        vals = []
        for run in runs:
            entry = run[name]
            node = (
                entry["view"]
                if path_page[0] == "view"
                else entry["requests"][path_page[0]]
            )
            page = node[path_page[1]][path_page[2]][path_page[3]]
            bare = run["bare"]["view"][path_bare[0]][path_bare[1]][path_bare[2]]
            if page and bare:
                vals.append(page / bare if invert else bare / page)
        return median(vals)

    print(
        f"\n{args.db}, {args.tasks} tasks, {args.workers} gunicorn workers, wrk one "
        f"thread per connection, {args.seconds:g} s per measurement, "
        f"median of {len(runs)} run(s)"
    )
    print(
        "view = the page and every fragment its response loads itself (HX-Request),"
        " followed as a browser does, in sequence per connection (a figure already"
        " cached is in the page: 'fragments' is the mean loaded per view); each"
        " request of a first view is measured alone below it; x/ping = how many"
        " times slower than /ping (no session) in the same run"
    )
    c = args.concurrency
    head = (
        f"{'page view / request':<36}{'status':>7}{'queries':>8}"
        f"{'c=' + str(c) + ' req/s':>11}{'x/ping':>8}"
        f"{'c=1 p50':>9}{'p95 ms':>8}{'x/ping':>8}  targets"
    )
    print(head)
    print("-" * len(head))
    for name in names:
        page = info["pages"][name]
        parts = [("page", page)] + [(f["name"], f) for f in page["fragments"]]
        statuses = sorted({p["status"] for _, p in parts})
        # The view as it is measured: the page with its figures cached and
        # what it still loads (a first view's figures are in the lines below).
        again = page.get("loads_again", [f["name"] for f in page["fragments"]])
        queries = page["queries"] + sum(
            f["queries"] for f in page["fragments"] if f["name"] in again
        )
        loaded = [run[name]["view"]["c8"].get("follow") for run in runs]
        per_view = median(
            [f["fragments"] / f["pages"] for f in loaded if f and f["pages"]]
        )
        label = (
            name
            if len(parts) == 1
            else f"{name} (view: page + {per_view:.2f} fragments)"
        )
        v_rps = med(name, ("view", "c8", "views", "rps"))
        v_ratio = ratio(name, ("view", "c8", "views", "rps"), ("c8", "views", "rps"))
        v_p50 = med(name, ("view", "c1", "views", "p50"))
        v_p95 = med(name, ("view", "c1", "views", "p95"))
        p_ratio = ratio(
            name, ("view", "c1", "views", "p50"), ("c1", "views", "p50"), invert=True
        )
        limit = TARGET_API_QUERIES if page["api"] else TARGET_PAGE_QUERIES
        misses = []
        if not name.startswith("bare"):
            if v_ratio > TARGET_RATIO:
                misses.append(f"req/s<1/{TARGET_RATIO}")
            if v_p95 > TARGET_P95_MS:
                misses.append(f"p95>{TARGET_P95_MS}")
            if any(
                max(p.get("first_queries", 0), p["queries"]) > limit for _, p in parts
            ):
                misses.append(f"queries>{limit}")
        flag = (
            ("MISS " + ", ".join(misses))
            if misses
            else ("" if name.startswith("bare") else "ok")
        )
        print(
            f"{label:<36}{'/'.join(map(str, statuses)):>7}{queries:>8}"
            f"{v_rps:>11.1f}{v_ratio:>7.1f}x{v_p50:>9.1f}{v_p95:>8.1f}{p_ratio:>7.1f}x  {flag}"
        )
        if len(parts) > 1:
            for i, (pname, p) in enumerate(parts):
                if i == 0 and "first_queries" in p:
                    pname = f"page (first view: {p['first_queries']} queries)"
                elif i:
                    pname = f"{pname} (first view{'' if pname in again else ' only'})"
                r_rps = med(name, (i, "c8", "requests", "rps"))
                r_ratio = ratio(
                    name, (i, "c8", "requests", "rps"), ("c8", "views", "rps")
                )
                print(
                    f"{'  ' + pname:<36}{p['status']:>7}{p['queries']:>8}"
                    f"{r_rps:>11.1f}{r_ratio:>7.1f}x"
                    f"{med(name, (i, 'c1', 'requests', 'p50')):>9.1f}"
                    f"{med(name, (i, 'c1', 'requests', 'p95')):>8.1f}"
                    f"{ratio(name, (i, 'c1', 'requests', 'p50'), ('c1', 'views', 'p50'), invert=True):>7.1f}x"
                )
        for run in runs:
            r = run[name]["view"]["c8"]["requests"]
            if r["non2xx"] or r["errors"]:
                print(
                    f"  warning: {int(r['non2xx'])} non-2xx, {int(r['errors'])} socket errors"
                )
                break
    print("addresses: " + "; ".join(f"{n} {info['pages'][n]['url']}" for n in names))
    if rss:
        after = rss["after"]
        worst = max(after.values()) if after else 0
        print(
            f"RSS per gunicorn worker after {args.rss_requests} requests (all page views "
            f"in turn, c={args.concurrency}, fresh server): "
            + ", ".join(
                f"{rss['before'][pid]:.0f} -> {after[pid]:.0f} MB"
                for pid in sorted(after)
            )
            + f"; max {worst:.0f} MB "
            + ("ok" if worst <= TARGET_RSS_MB else f"MISS >{TARGET_RSS_MB} MB")
            + (f"; {rss['errors']} errors" if rss["errors"] else "")
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
