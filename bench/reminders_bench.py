"""The daily reminder run on the 200,000-task data set, end to end.

Builds (or reuses) the data set of ``manage.py seed_scale``, gives every
scale agency a focal point (so reminders have people to go to), clears the
reminders of earlier bench runs, then times with ``/usr/bin/time``:

1. ``manage.py schedule_daily --on DAY`` (enqueue the day's jobs), and
2. ``manage.py db_worker --batch`` (run them, and the e-mail jobs they
   queue, until the queue is empty: reminders, notifications, audit events,
   escalations, e-mails written by the file backend, the digest),

and prints the time of each and the total, with what the day produced.
Then, in one process and a transaction rolled back at the end, it runs the
next working day's reminders again and counts the SQL queries of each batch
(constant: the selection is set-based, and each batch costs the same).

    .venv/bin/python bench/reminders_bench.py --db postgres --tasks 200000
    .venv/bin/python bench/reminders_bench.py --db sqlite --tasks 200000

Target: under 60 s end to end for 200,000 tasks with the database backend.
"""

import argparse
import json
import re
import subprocess
import sys

import scale_data

ROOT = scale_data.ROOT
PY = scale_data.PY
manage = scale_data.manage
MAIL_DIR = ROOT / "var" / "bench-mail"


def bench_env(db: str) -> dict:
    # The database job backend and file e-mails: the run as in production.
    return scale_data.bench_env(
        db,
        TASKS_BACKEND="database",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(MAIL_DIR),
    )


def snippet(env, code: str) -> dict:
    """Run Django code in a fresh process; it prints one ``RESULT{json}``."""
    out = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit("bench snippet failed")
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT"))
    return json.loads(line[6:])


SETUP = r"""
import datetime, json
from django.db import connection, transaction
from dieuphoi.accounts.models import User
from dieuphoi.core.models import local_today
from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.reminders.models import Reminder, TaskEscalation
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar
from dieuphoi.workdays.models import DailyRun
from django_tasks_db.models import DBTaskResult

DAY = {day!r}
day = datetime.date.fromisoformat(DAY) if DAY else calendar.working_day_on_or_after(local_today())
agencies = list(Agency.objects.filter(code__startswith="TT-").order_by("code"))
body = Task.objects.filter(lead_agency__in=agencies[:1]).values_list("body_id", flat=True).first()
made = 0
with transaction.atomic():
    for agency in agencies:
        user, created = User.objects.get_or_create(
            username=f"bench.{{agency.code.lower()}}",
            defaults={{"full_name": f"Đầu mối {{agency.short_name}}",
                      "email": f"{{agency.code.lower()}}@bench.example.vn", "agency": agency}},
        )
        if created:
            user.set_unusable_password(); user.save()
            Membership.objects.create(person=user, body_id=body, agency=agency,
                role="member", valid_from=datetime.date(2015, 1, 1))
            made += 1
# A clean day: earlier bench runs' reminders, notifications, e-mails and jobs go
# (the audit trail is append-only and keeps its rows).
with transaction.atomic():
    for model in (Notification, OutgoingEmail, Reminder, TaskEscalation):
        model.objects.all().delete()
    Task.objects.filter(urge_count__gt=0).update(urge_count=0)
    DailyRun.objects.all().delete()
    DBTaskResult.objects.all().delete()
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
from django.utils import timezone
print("RESULT" + json.dumps({{
    "started": timezone.now().isoformat(),
    "day": day.isoformat(),
    "next_day": calendar.next_working_day(day).isoformat(),
    "focal_points_added": made,
    "tasks": Task.objects.count(),
    "open_tasks": Task.objects.filter(is_open=1).count(),
}}))
"""

REPORT = r"""
import datetime, json
from django.db.models import Count
from dieuphoi.audit.models import AuditEvent
from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.reminders.models import Reminder, TaskEscalation
from django_tasks_db.models import DBTaskResult
print("RESULT" + json.dumps({
    "reminders": dict(Reminder.objects.values_list("kind").annotate(n=Count("id")).order_by()),
    "notifications": Notification.objects.count(),
    "emails": dict(OutgoingEmail.objects.values_list("kind").annotate(n=Count("id")).order_by()),
    "emails_by_status": dict(OutgoingEmail.objects.values_list("status").annotate(n=Count("id")).order_by()),
    "escalations": TaskEscalation.objects.count(),
    "audit_events": AuditEvent.objects.filter(
        action__startswith="reminders.",
        created_at__gte=datetime.datetime.fromisoformat({started!r}),
    ).count(),
    "jobs": dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by()),
}))
"""

QUERIES = r"""
import datetime, json, time
from unittest import mock
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from dieuphoi.reminders import services

day = datetime.date.fromisoformat({day!r})
real = services._run_batch
batches = []

def counted(batch, ctx, result):
    with CaptureQueriesContext(connection) as q:
        real(batch, ctx, result)
    batches.append((len(batch), len(q.captured_queries)))

class Rollback(Exception):
    pass

t0 = time.monotonic()
try:
    with transaction.atomic(), CaptureQueriesContext(connection) as total, \
            mock.patch.object(services, "_run_batch", side_effect=counted):
        result = services.reminders_run_day(day=day)
        raise Rollback
except Rollback:
    pass
seconds = time.monotonic() - t0
per_batch = [q for _, q in batches]
full = [q for n, q in batches if n == max((n for n, _ in batches), default=0)]
print("RESULT" + json.dumps({{
    "day": day.isoformat(),
    "seconds": round(seconds, 2),
    "planned": result.planned,
    "batches": len(batches),
    "batch_sizes": sorted({{n for n, _ in batches}}),
    "queries_total": len(total.captured_queries),
    "queries_per_batch_min": min(per_batch, default=0),
    "queries_per_batch_max": max(per_batch, default=0),
    "queries_full_batches": sorted(set(full)),
    "queries_outside_batches": len(total.captured_queries) - sum(per_batch),
}}))
"""

TIME_RE = re.compile(r"TIME wall=([\d.]+) maxrss=(\d+)")


def timed(env, *args) -> tuple[float, int, str]:
    out = subprocess.run(
        ["/usr/bin/time", "-f", "TIME wall=%e maxrss=%M", PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    m = TIME_RE.search(out.stderr)
    if out.returncode or not m:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return float(m.group(1)), int(m.group(2)), out.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    ap.add_argument("--tasks", type=int, default=200000)
    ap.add_argument(
        "--day", default="", help="YYYY-MM-DD (default: today or next working day)"
    )
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--skip-prepare", action="store_true")
    args = ap.parse_args()

    env = bench_env(args.db)
    if not args.skip_prepare:
        scale_data.prepare(env, args.db, args.tasks, args.reseed)
    MAIL_DIR.mkdir(parents=True, exist_ok=True)
    for old in MAIL_DIR.glob("*.log"):
        old.unlink()
    info = snippet(env, SETUP.format(day=args.day))
    day = info["day"]

    schedule_s, schedule_kb, schedule_out = timed(env, "schedule_daily", "--on", day)
    worker_s, worker_kb, _ = timed(
        env, "db_worker", "--batch", "--no-startup-delay", "--no-reload"
    )
    report = snippet(env, REPORT.replace("{started!r}", repr(info["started"])))
    mail_files = list(MAIL_DIR.glob("*.log"))
    queries = snippet(env, QUERIES.format(day=info["next_day"]))

    total = schedule_s + worker_s
    print(f"\n{args.db}: {info['tasks']} tasks ({info['open_tasks']} open), day {day}")
    print(schedule_out.strip())
    print(
        f"schedule_daily --on {day}: {schedule_s:6.1f} s  (max RSS {schedule_kb // 1024} MB)"
    )
    print(
        f"db_worker --batch:          {worker_s:6.1f} s  (max RSS {worker_kb // 1024} MB)"
    )
    verdict = "OK" if total < 60 else "OVER TARGET"
    print(f"end to end:                 {total:6.1f} s  (target < 60 s: {verdict})")
    print(f"reminders by kind: {report['reminders']}")
    print(
        f"notifications: {report['notifications']}, escalations: "
        f"{report['escalations']}, audit events: {report['audit_events']}"
    )
    print(
        f"e-mails: {report['emails']} by status {report['emails_by_status']}, "
        f"{len(mail_files)} mail files written"
    )
    print(f"jobs: {report['jobs']}")
    print(
        f"\nqueries, reminders of {queries['day']} (in-process, rolled back): "
        f"{queries['planned']} reminders in {queries['batches']} batches "
        f"(sizes {queries['batch_sizes']}), {queries['seconds']} s"
    )
    print(
        f"  per batch: min {queries['queries_per_batch_min']}, max "
        f"{queries['queries_per_batch_max']}; full batches: "
        f"{queries['queries_full_batches']}; outside batches: "
        f"{queries['queries_outside_batches']}; total {queries['queries_total']}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
