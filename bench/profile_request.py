"""One request profiled in-process: where a page's or an API answer's
milliseconds go, beside the bare ``/ping`` measured the same way.

Runs Django in this process on the data set the load benchmark uses
(``bench/tasks_bench.py``: ``var/bench.sqlite3`` or PostgreSQL
``dieuphoi_bench``, built by ``scale_data.prepare``; ``BENCH_SQLITE_PATH`` /
``BENCH_DATABASE_URL`` choose another), with the production settings the
server runs with (DEBUG off, caches on). Signs in as the Hanoi team's
secretariat (``thuky``): a session for a page, a bearer token for ``/api/``.

    .venv/bin/python bench/profile_request.py --db sqlite "/api/v1/tasks?bucket=overdue&limit=50"
    .venv/bin/python bench/profile_request.py --db postgres /tasks/?bucket=overdue --top 40

Prints the status, size and SQL of one request, the median wall time of
``--requests`` requests of the address and of ``/ping`` (no session),
interleaved in rounds, then cProfile's heaviest entries over the same number
of requests (cumulative time). The profiler slows Python down by about half:
read its shares, not its milliseconds.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", help="address to profile, e.g. /tasks/?bucket=overdue")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--top", type=int, default=30, help="profile entries shown")
    args = ap.parse_args()

    import tasks_bench

    env = tasks_bench.bench_env(args.db)
    # The load benchmark's own session and token (with the second factor, as
    # production asks it of this role), made in its subprocess; no page of
    # its own measured ("-").
    info = tasks_bench.setup_session(env, "-")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers: dict[str, str] = {}
    if args.url.startswith("/api/"):
        headers["HTTP_AUTHORIZATION"] = "Bearer " + info["token"]
    else:
        client.cookies[info["cookie"]] = info["session"]
    first = client.get(args.url, **headers)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(args.url, **headers)
    print(f"{args.url}: {first.status_code}, {len(again.content):,} bytes")
    print(f"{len(queries)} queries on a repeated request:")
    for q in queries.captured_queries:
        print("  ", q["sql"][:160])

    bare = Client()  # /ping without a session, as the load benchmark's

    def median_ms(who, url, extra, n) -> float:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            who.get(url, **extra)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    ping, page = [], []
    for _ in range(3):
        ping.append(median_ms(bare, "/ping", {}, args.requests // 3))
        page.append(median_ms(client, args.url, headers, args.requests // 3))
    p, q = statistics.median(ping), statistics.median(page)
    print(f"median: bare /ping {p:.3f} ms, the address {q:.3f} ms ({q / p:.1f}x)")

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(args.url, **headers)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
