"""dieuphoi against Redmine 5.0.4 on the same machine, data scale and time
window, page view against page view.

Redmine is installed, loaded and measured by the kit in
``../shared/redmine-bench/`` (Debian's packages, Apache + Passenger on
127.0.0.1:3300; its ``setup.sh``, ``seed.sh``, ``bench.sh`` and ``stop.sh``
are run from there, read-only, with ``OUT=`` a directory of ours). dieuphoi
runs under gunicorn as in ``bench/tasks_bench.py``, on the data set of
``manage.py seed_scale``. The two sides are measured in alternating pairs
(``--pairs``, the order flipped every pair) so both see the same machine:

    Redmine (bench.sh name)                         dieuphoi (page view)
    a_trivial    /robots.txt                        /ping
    b_open_html  /issues?set_filter=1&status_id=o   /tasks/?bucket=overdue
                 &per_page=50                       + the fragments it loads
    c_open_json  /issues.json?status_id=o&limit=50  /api/v1/tasks?bucket=overdue&limit=50
    d_search     /issues?...&subject=~đất           /tasks/?q=đất + the fragments it loads

Redmine's issue list loads no fragment by itself (the values of the filters
in use are in the page, ``Query#available_filters_as_json``; other filters'
values are fetched only when the user adds one), so its page view is one
request. Ours is the page and every fragment each of its responses loads
itself (the counts strip and the badge when their figures are not cached
yet), followed as the browser does (``tasks_bench.py``, ``WRK_FOLLOW``). wrk at concurrency 8 on both sides: Redmine
with the kit's ``wrk -t2``, ours with one thread per connection (the views'
sequences need it); the latency quoted for a page view is the whole view.

    .venv/bin/python bench/vs_redmine.py --db sqlite --tasks 200000 --pairs 6
    .venv/bin/python bench/vs_redmine.py --db postgres --tasks 200000 --pairs 6

``--floors`` adds, in the same window, two reference applications under the
same gunicorn settings (``bench/floor_apps.py``): a WSGI application that
does nothing, and Django with no middleware and one view. Each is set beside
Redmine's trivial page: what any page of ours could reach before its own
code runs.

Run it by hand, as root (the kit installs packages and runs Apache), on an
otherwise idle machine; never part of ``make test``. Redmine is stopped at
the end (``--keep-redmine`` leaves it running). Raw wrk output and a JSON of
every figure go to ``--out`` (``var/redmine-results/<time>/``).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import scale_data
import tasks_bench as tb

ROOT = scale_data.ROOT
KIT = (ROOT / ".." / "shared" / "redmine-bench").resolve()
TARGET = 10  # dieuphoi's page views/s at least 10 x Redmine's

PAIRS = [
    # (label, Redmine's bench.sh name, our page in tasks_bench)
    ("trivial page", "a_trivial", "bare"),
    ("open-issues list", "b_open_html", "list_bucket"),
    ("JSON list", "c_open_json", "api_list"),
    ("subject / free-text search", "d_search", "list_text"),
]


def kit(script: str, env: dict, log: Path) -> None:
    """Run one of the kit's scripts from the kit's folder."""
    with open(log, "a") as f:
        f.write(f"\n### {script} {time.strftime('%H:%M:%S')}\n")
        f.flush()
        rc = subprocess.run(
            ["bash", str(KIT / script), *env.pop("_args", [])],
            cwd=KIT,
            env=dict(os.environ, **env),
            stdout=f,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    if rc:
        raise SystemExit(f"{script} failed ({rc}); see {log}")


def redmine_lookup(user_login: str = "canbo007") -> tuple[str, str] | None:
    """The bench admin's API key and the assignee's id, as bench.sh finds them."""
    ruby = (
        'puts [User.find_by_login("benchadmin")&.api_key, '
        f'User.find_by_login("{user_login}")&.id].join(" ")'
    )
    out = subprocess.run(
        [
            "su",
            "www-data",
            "-s",
            "/bin/sh",
            "-c",
            "cd /usr/share/redmine && REDMINE_INSTANCE=default "
            f"bundle exec rails runner -e production '{ruby}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    parts = (out.stdout.strip().splitlines() or [""])[-1].split()
    return (parts[0], parts[1]) if len(parts) == 2 else None


def redmine_issue_count(port: int, key: str) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/issues.json?set_filter=1&status_id=*&limit=1",
        headers={"X-Redmine-API-Key": key},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["total_count"]


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(path: Path) -> dict:
    """req/s, p50, p99 (ms), non-2xx and errors of a ``wrk --latency`` output."""
    text = path.read_text()
    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    for p in ("50", "99"):
        out["p" + p] = ms(re.search(rf"^\s+{p}%\s+(\S+)", text, re.M).group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    out["errors"] = sum(int(n) for n in re.findall(r"\d+", m.group(1))) if m else 0
    return out


def measure_redmine(name, args, key, assignee, out: Path, pair: int) -> dict:
    run_out = out / f"pair{pair}-{name}"
    kit(
        "bench.sh",
        {
            "OUT": str(run_out),
            "ONLY": name,
            "CONC": str(args.concurrency),
            "DURATION": f"{args.seconds}s",
            "WARMUP": f"{args.warmup}s",
            "PORT": str(args.redmine_port),
            "API_KEY": key,
            "ASSIGNEE_ID": assignee,
        },
        out / "kit.log",
    )
    return parse_wrk(run_out / f"{name}.c{args.concurrency}.wrk.txt")


def measure_ours(page, info, args) -> dict:
    # The page, and every fragment each response loads by itself (followed
    # as the browser does: a figure already cached is in the page).
    reqs = tb.view_requests(info, page)[:1]
    tb.run_wrk_view(reqs, args.warmup, args.concurrency, args.port, follow=True)
    r = tb.run_wrk_view(reqs, args.seconds, args.concurrency, args.port, follow=True)
    views, requests = r["views"], r["requests"]
    follow = r.get("follow") or {}
    return {
        "rps": views["rps"],
        "p50": views["p50"],
        "p99": views["p99"],
        "requests": 1
        + (follow["fragments"] / follow["pages"] if follow.get("pages") else 0),
        "non2xx": int(requests["non2xx"]),
        "errors": int(requests["errors"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--tasks", "--issues", type=int, default=200000, dest="tasks")
    ap.add_argument("--pairs", type=int, default=3, help="alternating pairs (3 to 6)")
    ap.add_argument("--seconds", type=int, default=15, help="per measurement")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--pool", type=int, default=os.cpu_count(), help="Passenger pool")
    ap.add_argument("--port", type=int, default=tb.PORT)
    ap.add_argument("--redmine-port", type=int, default=3300)
    ap.add_argument(
        "--only", default="", help="comma-separated Redmine names (a_trivial,...)"
    )
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--skip-prepare", action="store_true", help="reuse our data set as is"
    )
    ap.add_argument(
        "--reseed", action="store_true", help="rebuild our data set (a smaller --tasks)"
    )
    ap.add_argument(
        "--skip-redmine-setup",
        action="store_true",
        help="Redmine already runs with the right database and data",
    )
    ap.add_argument("--keep-redmine", action="store_true", help="do not run stop.sh")
    ap.add_argument(
        "--floors",
        action="store_true",
        help="also measure a WSGI app that does nothing and Django with no "
        "middleware (bench/floor_apps.py) under the same gunicorn, against "
        "Redmine's trivial page",
    )
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit(
            "run as root: the Redmine kit installs packages and runs Apache"
        )
    pairs = [p for p in PAIRS if not args.only or p[1] in args.only.split(",")]
    out = args.out or ROOT / "var" / "redmine-results" / time.strftime("%Y%m%d-%H%M%S")
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "kit.log"

    # dieuphoi's data set and session.
    env = tb.bench_env(args.db)
    if not args.skip_prepare:
        scale_data.prepare(env, args.db, args.tasks, args.reseed, static=True)
    info = tb.setup_session(env, ",".join(p[2] for p in pairs))

    # Redmine: installed, on the same database kind, with the same scale.
    rm_db = "sqlite" if args.db == "sqlite" else "pgsql"
    if not args.skip_redmine_setup:
        print(f"Redmine: setup.sh (DB={rm_db}, pool {args.pool}) ...", flush=True)
        kit(
            "setup.sh",
            {
                "DB": rm_db,
                "POOL": str(args.pool),
                "PORT": str(args.redmine_port),
                "SKIP_APT_UPDATE": os.environ.get("SKIP_APT_UPDATE", "1"),
            },
            log,
        )
    found = redmine_lookup()
    count = redmine_issue_count(args.redmine_port, found[0]) if found else 0
    if count != args.tasks:
        if args.skip_redmine_setup:
            raise SystemExit(f"Redmine has {count} issues, not {args.tasks}")
        print(f"Redmine: seed.sh {args.tasks} (had {count}) ...", flush=True)
        kit("seed.sh", {"RESEED": "1", "_args": [str(args.tasks)]}, log)
        found = redmine_lookup()
        count = redmine_issue_count(args.redmine_port, found[0])
    key, assignee = found

    results = {p[1]: {"redmine": [], "ours": []} for p in pairs}
    server = tb.start_server(env, args.workers, args.port)
    try:
        for i in range(args.pairs):
            for label, rname, page in pairs:
                sides = ["redmine", "ours"] if i % 2 == 0 else ["ours", "redmine"]
                for side in sides:
                    if side == "redmine":
                        r = measure_redmine(rname, args, key, assignee, out, i + 1)
                    else:
                        r = measure_ours(page, info, args)
                    results[rname][side].append(r)
                last = results[rname]
                print(
                    f"pair {i + 1}/{args.pairs} {label}: Redmine {last['redmine'][-1]['rps']:.1f}"
                    f" req/s, dieuphoi {last['ours'][-1]['rps']:.1f} views/s",
                    flush=True,
                )
    finally:
        tb.stop_server(server)
    floors = {}
    try:
        if args.floors and any(p[1] == "a_trivial" for p in pairs):
            floors = measure_floors(args, results["a_trivial"]["redmine"])
    finally:
        if not args.keep_redmine:
            kit("stop.sh", {}, log)

    (out / "results.json").write_text(
        json.dumps(
            {
                "args": {k: str(v) for k, v in vars(args).items()},
                "pages": info["pages"],
                "redmine_issues": count,
                "results": results,
                "floors": floors,
            },
            indent=1,
        )
    )
    report(pairs, info, results, args, count, out, floors)


FLOORS = [
    ("a WSGI app that does nothing", "floor_apps:null"),
    ("Django, no middleware, one view", "floor_apps:bare_django()"),
]


def measure_floors(args, redmine_trivial: list[dict]) -> dict:
    """Each reference app of ``floor_apps`` under the same gunicorn settings
    as ours, ``--pairs`` times, right after the pairs (the same window); set
    beside the pairs' figures for Redmine's trivial page."""
    found = {}
    for label, app in FLOORS:
        proc = tb.start_server(
            dict(os.environ), args.workers, args.port, app=app, cwd=ROOT / "bench"
        )
        try:
            runs = []
            for _ in range(args.pairs):
                reqs = [("/ping", {})]
                tb.run_wrk_view(reqs, args.warmup, args.concurrency, args.port)
                r = tb.run_wrk_view(reqs, args.seconds, args.concurrency, args.port)
                runs.append(r["views"]["rps"])
            found[label] = runs
            print(f"floor {label}: {statistics.median(runs):.1f} req/s", flush=True)
        finally:
            tb.stop_server(proc)
    found["redmine_trivial"] = [r["rps"] for r in redmine_trivial]
    return found


def report(pairs, info, results, args, count, out, floors=None) -> None:
    med = statistics.median
    lines = [
        f"dieuphoi vs Redmine 5.0.4, {args.db}: {args.tasks} tasks / {count} issues, "
        f"c={args.concurrency}, {args.seconds} s per side, {args.pairs} alternating pair(s), "
        f"medians; gunicorn {args.workers} workers, Passenger pool {args.pool}",
        "req/s = page views per second (ours: the page and the fragments it loads);"
        " ratio = ours / Redmine, the median of the per-pair ratios",
        f"{'page':<36}{'Redmine req/s':>14}{'p50':>8}{'p99':>8}"
        f"{'dieuphoi req/s':>16}{'p50':>8}{'p99':>8}{'ratio':>8}  target >= {TARGET}x",
    ]
    lines.append("-" * len(lines[-1]))
    for label, rname, _page in pairs:
        rm, us = results[rname]["redmine"], results[rname]["ours"]
        ratio = med(
            [u["rps"] / r["rps"] for r, u in zip(rm, us, strict=True) if r["rps"]]
        )
        nreq = med([u["requests"] for u in us])
        name = label if nreq == 1 else f"{label} ({nreq:.2f} req)"
        lines.append(
            f"{name:<36}{med([r['rps'] for r in rm]):>14.1f}"
            f"{med([r['p50'] for r in rm]):>8.1f}{med([r['p99'] for r in rm]):>8.1f}"
            f"{med([u['rps'] for u in us]):>16.1f}"
            f"{med([u['p50'] for u in us]):>8.1f}{med([u['p99'] for u in us]):>8.1f}"
            f"{ratio:>7.1f}x  {'ok' if ratio >= TARGET else 'MISS'}"
        )
        bad = [
            side
            for side, runs in (("Redmine", rm), ("dieuphoi", us))
            if any(r["non2xx"] or r["errors"] for r in runs)
        ]
        if bad:
            lines.append(
                f"  warning: non-2xx responses or socket errors on {', '.join(bad)}"
            )
        lines.append(
            "  per pair req/s (Redmine / dieuphoi): "
            + ", ".join(
                f"{r['rps']:.1f}/{u['rps']:.1f}" for r, u in zip(rm, us, strict=True)
            )
        )
    lines.append(
        "dieuphoi: "
        + "; ".join(
            f"{page} = "
            + tb.view_requests(info, page)[0][0]
            + ("" if page in ("bare", "api_list") else " + the fragments it loads")
            for _label, _r, page in pairs
        )
    )
    if floors:
        redmine = statistics.median(floors["redmine_trivial"])
        lines.append(
            f"floors under the same gunicorn (req/s at c={args.concurrency}, median;"
            f" x = over Redmine's trivial page, {redmine:.1f} req/s):"
        )
        for label, _app in FLOORS:
            rps = med(floors[label])
            lines.append(f"  {label:<34}{rps:>10.1f}{rps / redmine:>8.1f}x")
    lines.append(f"raw output: {out}")
    text = "\n".join(lines)
    (out / "summary.txt").write_text(text + "\n")
    print("\n" + text)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
