"""The task list as a user waits for it (the page and its counts strip), the
summary and ``/ping``, in-process, with the stamped caches off and on.

Uses a SQLite file built by ``seed_demo`` and ``seed_scale`` (20,000 tasks by
default; ``--data`` keeps it for the next run)::

    .venv/bin/python bench/counts_bench.py                  # build + 15 runs
    .venv/bin/python bench/counts_bench.py --runs 30 --data var/counts-bench

Each run times every request once with caches off ("uncached": the figures
counted on every view, the registry options read on every page) and once with
them on ("cached": ``tasks.cache``, warm), interleaved with ``/ping`` so all
share the same load. Prints per request the status, SQL queries, median and
p95 wall time, median CPU time and the ratio of the median to ``/ping``'s;
"page view" rows add the page and its counts strip. Also the cost of one
stamp read (``core.cache.read``) and of a cold (missed) counts strip.
Timings on a shared machine are noisy: quote CPU time and medians, and say
when the machine was busy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
PING_PER_RUN = 5


def environment(data: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dieuphoi.settings",
        DIEUPHOI_TESTING="1",
        DEBUG="false",
        SQLITE_PATH=str(data / "bench.sqlite3"),
        MEDIA_ROOT=str(data / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    return env


def build(data: Path, tasks: int) -> None:
    data.mkdir(parents=True, exist_ok=True)
    if (data / "bench.sqlite3").exists():
        return
    env = environment(data)
    for args in (
        ["migrate", "--noinput"],
        ["seed_demo"],
        ["seed_scale", "--tasks", str(tasks)],
    ):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def timed(client, url, params=None, headers=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params or {}, **(headers or {}))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return response.status_code, len(queries), wall * 1000, cpu * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "var" / "counts-bench"))
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    data = Path(args.data)
    build(data, args.tasks)
    os.environ.update(environment(data))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()

    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client, override_settings

    from dieuphoi.core import cache as stamps
    from dieuphoi.org.models import Membership
    from dieuphoi.tasks.models import Sector, Task
    from dieuphoi.tasks.seed import HANOI_TEAM_KEY

    seat = (
        Membership.objects.filter(
            body__key=HANOI_TEAM_KEY, role=Membership.Role.SECRETARIAT
        )
        .select_related("person")
        .first()
    )
    client = Client()
    client.force_login(seat.person, backend=settings.AUTHENTICATION_BACKENDS[-1])
    lead = Task.objects.filter(body=seat.body).values_list("lead_agency", flat=True)[0]
    sector = Sector.objects.order_by("pk").values_list("pk", flat=True)[0]
    hx = {"HTTP_HX_REQUEST": "true"}
    views = {
        "list ?bucket=overdue": {"bucket": "overdue"},
        "list ?lead_agency&sector": {"lead_agency": lead, "sector": sector},
    }
    requests = [("ping", "/ping", {}, {})]
    for name, params in views.items():
        requests.append((name, "/tasks/", params, {}))
        requests.append((name + " counts", "/tasks/", {**params, "part": "counts"}, hx))
    requests.append(("summary", "/tasks/summary/", {}, {}))
    modes = {
        "uncached": {
            "TASK_COUNTS_CACHE_SECONDS": 0,
            "TASK_SUMMARY_CACHE_SECONDS": 0,
            "REGISTRY_CHOICES_CACHE": False,
        },
        "cached": {
            "TASK_COUNTS_CACHE_SECONDS": 300,
            "TASK_SUMMARY_CACHE_SECONDS": 300,
            "REGISTRY_CHOICES_CACHE": True,
        },
    }
    samples: dict[tuple, list] = {}
    cache.clear()
    stamps.clear_memo()
    for run in range(args.runs + 1):  # run 0 warms up
        for mode, overrides in modes.items():
            with override_settings(**overrides):
                for name, url, params, headers in requests:
                    for _ in range(PING_PER_RUN if name == "ping" else 1):
                        got = timed(client, url, params, headers)
                        if run:
                            samples.setdefault((mode, name), []).append(got)

    # A cold counts strip with the caches on: a stamp read, the count, a set.
    cold = []
    with override_settings(**modes["cached"]):
        for _ in range(args.runs):
            cache.clear()
            cold.append(timed(client, "/tasks/", {"part": "counts"}, hx))
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        stamps.read(stamps.TASKS, stamps.REGISTRY)
    stamp_us = (time.perf_counter() - start) / n * 1e6

    def stats(rows):
        walls = sorted(r[2] for r in rows)
        p95 = walls[min(len(walls) - 1, int(0.95 * len(walls)))]
        return (
            rows[0][0],
            max(r[1] for r in rows),
            statistics.median(walls),
            p95,
            statistics.median(r[3] for r in rows),
        )

    print(
        f"{Task.objects.count()} tasks, {args.runs} runs, SQLite "
        f"({data / 'bench.sqlite3'}); load average {os.getloadavg()[0]:.2f}"
    )
    header = (
        f"{'mode':9} {'request':34} {'st':>3} {'q':>3} {'median ms':>10} "
        f"{'p95 ms':>8} {'cpu ms':>8} {'÷ping':>6}"
    )
    print(header)
    for mode in modes:
        ping = statistics.median(r[2] for r in samples[(mode, "ping")])
        for name, *_rest in requests:
            st, q, med, p95, cpu = stats(samples[(mode, name)])
            print(
                f"{mode:9} {name:34} {st:>3} {q:>3} {med:>10.2f} {p95:>8.2f} "
                f"{cpu:>8.2f} {med / ping:>6.0f}"
            )
        for name in views:
            page, strip = samples[(mode, name)], samples[(mode, name + " counts")]
            view = [
                (a[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])
                for a, b in zip(page, strip, strict=True)
            ]
            st, q, med, p95, cpu = stats(view)
            print(
                f"{mode:9} {'page view: ' + name:34} {st:>3} {q:>3} {med:>10.2f} "
                f"{p95:>8.2f} {cpu:>8.2f} {med / ping:>6.0f}"
            )
    st, q, med, p95, cpu = stats(cold)
    print(f"cold counts strip (cache just cleared): {med:.2f} ms median, {q} queries")
    print(f"one stamp read (2 names, one query): {stamp_us:.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
