"""``manage.py schedule_daily``: enqueue a day's work (see ``scheduler``).

- ``schedule_daily``: today (Asia/Ho_Chi_Minh), once.
- ``schedule_daily --on 2026-02-23``: another day, past or future (re-runs a
  missed day; how tests move time). A day that already ran enqueues nothing
  unless ``--force``.
- ``schedule_daily --loop``: the long-running scheduler that ``make run``
  starts: wakes every minute, fires once per local day at or after
  ``SCHEDULER_RUN_AT`` (default 06:00), and every ``--reap-every`` minutes
  re-queues jobs whose worker died. SIGINT/SIGTERM stop it between steps.
"""

from __future__ import annotations

import datetime
import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from dieuphoi.workdays import scheduler

logger = logging.getLogger(__name__)

DB_TASK_BACKEND = "django_tasks_db.DatabaseBackend"


def parse_day(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"--on must be a date as YYYY-MM-DD (for example 2026-02-23), got {raw!r}."
        ) from None


def run_at() -> datetime.time:
    hour, minute = (int(part) for part in settings.SCHEDULER_RUN_AT.split(":"))
    return datetime.time(hour, minute)


class Command(BaseCommand):
    help = "Enqueue the daily jobs (reminders, escalations...) for a day, once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--on", metavar="YYYY-MM-DD", help="The day (default today)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Enqueue again even if the day already ran (jobs are idempotent).",
        )
        parser.add_argument("--only", metavar="NAME", help="Only this daily job.")
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep running: fire once a day at SCHEDULER_RUN_AT, reap stale jobs.",
        )
        parser.add_argument(
            "--reap-every",
            type=int,
            default=5,
            metavar="MINUTES",
            help="With --loop: minutes between stale-job reaps (default 5).",
        )

    def handle(self, *args, on=None, force=False, only=None, loop=False, **options):
        if loop:
            if on is not None or force:
                raise CommandError(
                    "--loop runs for each day itself: drop --on/--force."
                )
            if options["reap_every"] < 1:
                raise CommandError("--reap-every must be at least 1 minute.")
            self.loop(only=only, reap_every=options["reap_every"])
            return
        day = parse_day(on) if on is not None else timezone.localdate()
        self.run_day(day, force=force, only=only)

    def run_day(self, day: datetime.date, *, force: bool = False, only=None):
        names = [entry.name for entry in scheduler.daily_jobs()]
        if only is not None and only not in names:
            raise CommandError(
                f"No daily job named {only!r}; registered: {', '.join(names) or 'none'}."
            )
        if not names:
            self.stdout.write("No daily jobs are registered.")
        result = scheduler.schedule_day(day, force=force, only=only)
        stamp = day.isoformat()
        for name in result.enqueued:
            self.stdout.write(f"{stamp}: enqueued {name}")
        for name in result.already_ran:
            self.stdout.write(f"{stamp}: {name} already ran for this day, skipped")
        for name in result.not_a_working_day:
            self.stdout.write(f"{stamp}: {name} runs on working days only, skipped")
        return result

    # -- the long-running scheduler -------------------------------------------

    def loop(self, *, only=None, reap_every: int = 5) -> None:
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        previous = {
            sig: signal.signal(sig, request_stop)
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        fire_at = run_at()
        reap = settings.TASKS["default"]["BACKEND"] == DB_TASK_BACKEND
        last_day: datetime.date | None = None
        last_reap = float("-inf")
        self.stdout.write(
            f"Scheduler running: daily jobs at {fire_at:%H:%M} "
            f"{settings.TIME_ZONE}; Ctrl-C stops it."
        )
        try:
            while not stop.is_set():
                close_old_connections()
                now = timezone.localtime()
                try:
                    if last_day != now.date() and now.time() >= fire_at:
                        self.run_day(now.date(), only=only)
                        last_day = now.date()
                    if reap and time.monotonic() - last_reap >= reap_every * 60:
                        last_reap = time.monotonic()
                        self.reap()
                except Exception:  # keep the scheduler alive; retry next minute
                    logger.exception("Scheduler step failed")
                # Wake at the start of the next minute (or at once on a signal).
                stop.wait(60 - timezone.localtime().second)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stdout.write("Scheduler stopped.")

    def reap(self) -> None:
        from dieuphoi.jobs.reaper import reap_stale_jobs

        result = reap_stale_jobs()
        if result:
            self.stdout.write(
                f"Reaper: re-queued {len(result.requeued)}, failed {len(result.failed)}."
            )
