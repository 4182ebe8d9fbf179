"""Periodic reports at scale (issue 11, item 7), in-process on SQLite.

    .venv/bin/python bench/reports_bench.py                      # 200,000 tasks, 3 runs
    .venv/bin/python bench/reports_bench.py --tasks 20000 --data var/reports-bench-20k
    .venv/bin/python bench/reports_bench.py --data var/reports-bench-history --changed 0.3

Builds (once, kept in ``--data``) a database with the demo data and
``seed_scale --tasks N``, then times, each ``--runs`` times, medians quoted:

- compiling the yearly report of the Hanoi team for the last year whose
  cut-off has passed (``figures.compile_figures``: every figure as of the
  cut-off, from the dated history) — target ≤ 3 s;
- its Báo cáo as DOCX: the content (``document.report_content``) and the
  layout (``paperwork.render_docx``) — target ≤ 3 s; the PDF beside it;
- the scorecards of every agency for that year (``scorecards.agency_scorecards``),
  cold (caches cleared) and warm — target ≤ 300 ms;
- the page that starts the compilation (POST, the job queued in the database
  backend, as in production) and the report's page, beside ``/ping`` in the
  same loop (the ratio to the bare view).
Wall and CPU time: on a shared machine quote the medians and the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import counts_bench  # noqa: E402  (same data set: demo + seed_scale)


def environment(data: Path) -> dict:
    """``counts_bench``'s settings, with jobs queued in the database as in
    production (the compile page's POST only enqueues)."""
    return counts_bench.environment(data) | {"TASKS_BACKEND": "database"}


def timed(func, runs: int):
    walls, cpus, result = [], [], None
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus), walls, result


def add_history(body, year, fraction: float) -> None:
    """Every ``1/fraction``-th task of the year gets its creation row and a
    state change ten days after the cut-off (to its state now), as tasks
    still moving after a report's cut-off have; once per data set."""
    import datetime

    from dieuphoi.core import cache as stamps
    from dieuphoi.tasks.models import Task, TaskStateChange

    after = year.end + datetime.timedelta(days=10)
    if TaskStateChange.objects.filter(on=after).exists():
        return
    step = max(1, round(1 / fraction))
    rows = []
    tasks = (
        Task.objects.filter(
            body=body, assigned_on__gte=year.start, assigned_on__lte=year.end
        )
        .order_by("pk")
        .values_list("pk", "assigned_on", "state")
    )
    for i, (pk, assigned_on, state) in enumerate(tasks.iterator()):
        if i % step:
            continue
        rows.append(
            TaskStateChange(
                task_id=pk, from_state="", to_state="in_progress", on=assigned_on
            )
        )
        rows.append(
            TaskStateChange(
                task_id=pk, from_state="in_progress", to_state=state, on=after
            )
        )
    TaskStateChange.objects.bulk_create(rows, batch_size=2000)
    stamps.bump(stamps.TASKS)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "var" / "reports-bench"))
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--changed",
        type=float,
        default=0.0,
        help="give this fraction of the year's tasks a dated history with a "
        "state change after the cut-off (writes to --data: use its own, e.g. "
        "var/reports-bench-history)",
    )
    args = parser.parse_args()
    data = Path(args.data)
    counts_bench.build(data, args.tasks)
    os.environ.update(environment(data))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from dieuphoi.core import cache as stamps
    from dieuphoi.core.models import local_today
    from dieuphoi.org.models import Membership
    from dieuphoi.paperwork import compose
    from dieuphoi.paperwork.models import Paper, PaperVersion
    from dieuphoi.paperwork.render_docx import render_docx
    from dieuphoi.paperwork.render_pdf import render_pdf
    from dieuphoi.paperwork.services import profile_of
    from dieuphoi.reports import document, figures, periods, scorecards, services
    from dieuphoi.reports.models import Report
    from dieuphoi.tasks import history as task_history
    from dieuphoi.tasks.models import Task
    from dieuphoi.tasks.seed import HANOI_TEAM_KEY

    translation.activate(settings.LANGUAGE_CODE)
    seat = (
        Membership.objects.filter(
            body__key=HANOI_TEAM_KEY, role=Membership.Role.SECRETARIAT
        )
        .select_related("person", "body")
        .first()
    )
    body, clerk = seat.body, seat.person
    today = local_today()
    year = periods.period_of("annual", today)
    if year.end >= today:
        year = periods.period("annual", year.year - 1)
    in_year = Task.objects.filter(
        body=body, assigned_on__gte=year.start, assigned_on__lte=year.end
    ).count()
    if args.changed > 0:
        add_history(body, year, args.changed)
    changed = (
        Task.objects.filter(
            body=body, assigned_on__gte=year.start, assigned_on__lte=year.end
        )
        .filter(task_history.changed_after_q(year.end))
        .count()
    )
    print(
        f"{Task.objects.count()} tasks ({in_year} assigned in {year.label}: "
        f"{year.start:%d/%m/%Y} to {year.end:%d/%m/%Y}; {changed} of them changed "
        f"after the cut-off), {args.runs} runs, SQLite; "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    with CaptureQueriesContext(connection) as q:
        figures.compile_figures(body, year)
    med, cpu, walls, compiled = timed(
        lambda: figures.compile_figures(body, year), args.runs
    )
    print(
        f"compile the yearly report      {med:8.0f} ms median (cpu {cpu:.0f} ms, "
        f"{len(q)} queries; runs {', '.join(f'{w:.0f}' for w in walls)}) "
        f"target ≤ 3000"
    )

    report = Report.objects.filter(
        body=body, period_type="annual", end=year.end
    ).first()
    if report is None:
        report = services.report_create(
            actor=clerk, body=body, period_type="annual", year=year.year
        )
    if report.state == Report.State.DRAFT:
        Report.objects.filter(pk=report.pk).update(figures=compiled)
        report = services.report_document(
            actor=clerk, report=Report.objects.get(pk=report.pk)
        )
    paper = Paper.objects.get(pk=report.paper_id)

    def content():
        from dieuphoi.paperwork import content as c

        blocks, annexes = document.report_content(report)
        version = PaperVersion(
            paper=paper,
            number=1,
            blocks=c.blocks_to_json(blocks),
            annexes=c.annexes_to_json(annexes),
        )
        return compose.compose(paper, version, profile=profile_of(body))

    med, cpu, walls, laid = timed(content, args.runs)
    print(f"its content (blocks, compose)  {med:8.0f} ms median (cpu {cpu:.0f} ms)")
    med_docx, cpu, walls, docx = timed(lambda: render_docx(laid), args.runs)
    print(
        f"its DOCX layout                {med_docx:8.0f} ms median (cpu {cpu:.0f} ms, "
        f"{len(docx) // 1024} KiB); content + DOCX {med + med_docx:.0f} ms, target ≤ 3000"
    )
    med_pdf, cpu, walls, _pdf = timed(lambda: render_pdf(laid), args.runs)
    print(f"its PDF layout                 {med_pdf:8.0f} ms median (cpu {cpu:.0f} ms)")

    # Production's cache settings (the tests' settings switch them off).
    from django.test.utils import override_settings

    override_settings(SCORECARD_CACHE_SECONDS=300).enable()

    def cold():
        cache.clear()
        stamps.clear_memo()
        return scorecards.agency_scorecards(body, year)

    med, cpu, walls, rows = timed(cold, args.runs)
    print(
        f"scorecards, all agencies, cold {med:8.1f} ms median (cpu {cpu:.0f} ms, "
        f"{len(rows)} agencies) target ≤ 300"
    )
    med, cpu, walls, rows = timed(
        lambda: scorecards.agency_scorecards(body, year), args.runs
    )
    print(f"scorecards, all agencies, warm {med:8.1f} ms median (cpu {cpu:.0f} ms)")

    client = Client()
    client.force_login(clerk, backend=settings.AUTHENTICATION_BACKENDS[-1])
    detail = f"/reports/{report.pk}/"
    samples: dict[str, list[float]] = {
        "ping": [],
        "compile (POST)": [],
        "report page": [],
    }
    Report.objects.filter(pk=report.pk).update(figures=compiled)
    for run in range(args.runs * 3 + 1):
        for name, call in (
            ("ping", lambda: client.get("/ping")),
            ("compile (POST)", lambda: client.post(f"/reports/{report.pk}/compile/")),
            ("report page", lambda: client.get(detail)),
        ):
            start = time.perf_counter()
            response = call()
            wall = (time.perf_counter() - start) * 1000
            assert response.status_code in (200, 302), (name, response.status_code)
            if run:
                samples[name].append(wall)
    ping = statistics.median(samples["ping"])
    for name, walls in samples.items():
        med = statistics.median(walls)
        print(f"{name:30} {med:8.2f} ms median, {med / ping:6.1f} x /ping")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
