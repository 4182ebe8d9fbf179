"""Calendar, ICS feed and inter-provincial matters, timed in-process against
the bare view (issue 10's speed targets).

Builds its own data in a throw-away SQLite database (``--data DIR`` keeps it
and reuses it), with the organisation of ``proposals_bench.py`` (the Hanoi
team, 25 member agencies, 5 other provinces' teams, 15 provinces):

(a) the calendar: 1,800 open tasks due this month and 200 activities in it
    (2,000 events in the month view), 3,000 more tasks due over the next
    year (5,000 events in the feed's window): the month view as a user opens
    it (the page plus the header's notification badge that HTMX loads by
    itself), target 100 ms; the week and agenda views for information; the
    personal ICS feed of the secretariat, target 300 ms; the calendar API for
    information.
(b) 10,000 matters (provinces, agencies, log dates spread so a third are
    stale): the matter list as a user opens it (page plus badge), target
    50 ms; filtered by province, by stale, by state and competence; the
    province-by-state matrix; the API list, for information.

    .venv/bin/python bench/coordination_bench.py               # 5 runs
    .venv/bin/python bench/coordination_bench.py --runs 20
    .venv/bin/python bench/coordination_bench.py --data var/coordination-bench
    .venv/bin/python bench/coordination_bench.py --profile month  # cProfile

Prints, per request and per whole page, the status, the SQL queries, the
median and p95 wall time, the median CPU time, requests/s and the ratio to
the bare view ``/ping`` timed in the same loop. Exits 1 when a target is
missed. The timing helpers are ``proposals_bench.py``'s.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from proposals_bench import (
    Bench,
    build_org,
    report,
    run,
    setup_django,
)

MONTH_TASKS = 1800
MONTH_ACTIVITIES = 200
YEAR_TASKS = 3000
MATTERS = 10_000
TARGETS = {"month": 100.0, "feed": 300.0, "matters": 50.0}


def build_calendar(body, agencies, teams, people) -> None:
    """Tasks due this month and over the year, activities this month."""
    from django.utils import timezone

    from dieuphoi.activities.models import Activity
    from dieuphoi.core.models import local_today
    from dieuphoi.docs.models import fold
    from dieuphoi.tasks.models import Task

    today = local_today()
    first = today.replace(day=1)
    year = today.year
    tasks = []
    for i in range(MONTH_TASKS + YEAR_TASKS):
        if i < MONTH_TASKS:
            deadline = first + datetime.timedelta(days=i % 28)
        else:
            deadline = today + datetime.timedelta(days=1 + i % 364)
        title = f"Nhiệm vụ phối hợp vùng số {i + 1}: giải phóng mặt bằng, kết nối"
        code = f"NV-{year}-{i + 1:05d}"
        tasks.append(
            Task(
                body=body,
                code=code,
                year=year,
                seq=i + 1,
                title=title,
                assigned_on=today - datetime.timedelta(days=30),
                lead_agency=agencies[i % len(agencies)],
                deadline=deadline,
                original_deadline=deadline,
                state=Task.State.IN_PROGRESS,
                search_text=fold(f"{code} | {title}"),
            )
        )
    Task.objects.bulk_create(tasks, batch_size=1000)
    zone = timezone.get_current_timezone()
    activities = []
    for i in range(MONTH_ACTIVITIES):
        day = first + datetime.timedelta(days=i % 28)
        starts = datetime.datetime.combine(day, datetime.time(8 + i % 8), zone)
        activities.append(
            Activity(
                body=body,
                kind=Activity.Kind.values[i % len(Activity.Kind.values)],
                title=f"Họp phối hợp vùng số {i + 1}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                place="Trụ sở Sở Tài chính",
                state=Activity.State.PLANNED,
                response_deadline=day,
                created_by=people["thuky"],
            )
        )
    Activity.objects.bulk_create(activities, batch_size=500)


def build_matters(body, agencies, units, sectors, people) -> None:
    from dieuphoi.core.models import local_today
    from dieuphoi.matters.models import Matter

    today = local_today()
    states = list(Matter.State.values)
    competences = list(Matter.Competence.values)
    priorities = list(Matter.Priority.values)
    objs = []
    for i in range(MATTERS):
        raised = today - datetime.timedelta(days=i % 900)
        objs.append(
            Matter(
                body=body,
                code=f"VD-{raised.year}-{i + 1:05d}",
                year=raised.year,
                title=f"Vấn đề liên tỉnh số {i + 1}: thoát nước, ô nhiễm, giao thông",
                description="Mô tả vấn đề (dữ liệu đo hiệu năng).",
                sector=sectors[i % len(sectors)],
                raised_by_agency=agencies[i % len(agencies)],
                raised_on=raised,
                competence=competences[i % len(competences)],
                priority=priorities[i % len(priorities)],
                state=states[i % len(states)],
                owner=people["thuky"],
                last_logged_on=today - datetime.timedelta(days=(i * 7) % 60),
                created_by=people["thuky"],
            )
        )
    created = Matter.objects.bulk_create(objs, batch_size=1000)
    Through = Matter.provinces.through
    Through.objects.bulk_create(
        [
            Through(matter_id=m.pk, administrativeunit_id=units[(i + k) % 15].pk)
            for i, m in enumerate(created)
            for k in range(1 + i % 3)
        ],
        batch_size=5000,
    )
    Through = Matter.agencies.through
    Through.objects.bulk_create(
        [
            Through(matter_id=m.pk, agency_id=agencies[(i + 3) % 25].pk)
            for i, m in enumerate(created)
        ],
        batch_size=5000,
    )


def build() -> None:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    body, _standing, agencies, teams, units, sectors, people = build_org()
    build_calendar(body, agencies, teams, people)
    build_matters(body, agencies, units, sectors, people)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"Data: {MONTH_TASKS + YEAR_TASKS} tasks, {MONTH_ACTIVITIES} activities, "
        f"{MATTERS} matters in {time.perf_counter() - started:.1f} s"
    )


def built() -> bool:
    from django.db.utils import OperationalError

    from dieuphoi.matters.models import Matter

    try:
        return Matter.objects.exists()
    except OperationalError:
        return False


def scenarios(clerk, token: str, feed_secret: str) -> tuple[dict, dict, dict]:
    from dieuphoi.core.models import local_today
    from dieuphoi.matters.models import Matter
    from dieuphoi.org.models import AdministrativeUnit

    today = local_today()
    month = today.strftime("%Y-%m")
    province = AdministrativeUnit.objects.order_by("pk").values_list("pk", flat=True)[3]
    ping = [("ping", "/ping")]
    badge = ("badge", "/notifications/badge/")
    headers = {
        "badge": {"HTTP_HX_REQUEST": "true"},
        "api_events": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        "api_matters": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
    }
    end = today + datetime.timedelta(days=31)
    calendar = {
        "ping": ping,
        "month": [("month_page", f"/calendar/?month={month}"), badge],
        "week": [("week_page", "/calendar/week/"), badge],
        "agenda": [("agenda_page", "/calendar/agenda/"), badge],
        "feed": [("feed", f"/calendar/feeds/{feed_secret}.ics")],
        "api_events": [
            ("api_events", f"/api/v1/calendar/events?start={today}&end={end}")
        ],
    }
    state = Matter.State.COORDINATING
    matters = {
        "ping": ping,
        "matters": [("matters_page", "/matters/"), badge],
        "matters_province": [
            ("province_page", f"/matters/?province={province}"),
            badge,
        ],
        "matters_stale": [("stale_page", "/matters/?stale=1"), badge],
        "matters_state": [
            ("state_page", f"/matters/?state={state}&competence=council"),
            badge,
        ],
        "matrix": [("matrix_page", "/matters/matrix/"), badge],
        "api_matters": [("api_matters", "/api/v1/matters?limit=50")],
    }
    return headers, calendar, matters


def measure(args) -> list[str]:
    from django.conf import settings
    from django.test import Client

    from dieuphoi.accounts.models import User
    from dieuphoi.accounts.services import api_token_create
    from dieuphoi.calendars.services import feed_create
    from dieuphoi.core.models import local_today
    from dieuphoi.matters.models import Matter

    clerk = User.objects.get(username="thuky")
    client = Client()
    client.force_login(clerk, backend=settings.AUTHENTICATION_BACKENDS[-1])
    _, token = api_token_create(user=clerk, name="bench")
    _, secret = feed_create(actor=clerk, name="bench")
    headers, calendar, matters = scenarios(clerk, token, secret)
    bench = Bench(client, headers)

    if args.profile:
        urls = {
            name: url
            for group in (calendar, matters)
            for requests in group.values()
            for name, url in requests
        }
        url = urls.get(args.profile) or urls.get(args.profile + "_page")
        if url is None:
            raise SystemExit(f"--profile: one of {', '.join(sorted(urls))}")
        bench.once(args.profile, url)
        profiler = cProfile.Profile()
        profiler.runcall(bench.once, args.profile, url)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return []

    feed_events = bench.get("feed", calendar["feed"][0][1]).content.count(
        b"BEGIN:VEVENT"
    )
    month_html = bench.get("month_page", calendar["month"][0][1]).content
    print(
        f"In-process (django.test.Client, SQLite, DEBUG off), one request at a "
        f"time, as the secretariat; median and p95 of {args.runs} runs after a "
        f"warm-up (/ping in the same loop). Today {local_today():%d/%m/%Y}; the "
        f"feed holds {feed_events} events; the month page is "
        f"{len(month_html) // 1024} KiB; {Matter.objects.count()} matters."
    )
    missed = []
    for title, pages in (
        ("(a) Calendar: 2,000 events this month, 5,000 in the feed's window", calendar),
        ("(b) Matters: 10,000", matters),
    ):
        times = run(bench, pages, args.runs)
        missed += report(title, pages, times, bench, TARGETS)
    print(
        "\nTargets (median): month view ≤ 100 ms, ICS feed ≤ 300 ms, matter list "
        "≤ 50 ms: " + ("met" if not missed else "MISSED: " + ", ".join(missed))
    )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", help="keep the database in DIR and reuse it")
    parser.add_argument("--profile", help="cProfile one request (a name printed)")
    args = parser.parse_args()

    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="coord-"))
    setup_django(data)
    try:
        if args.data and built():
            print(f"Data: reusing {data}")
        else:
            build()
        missed = measure(args)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
