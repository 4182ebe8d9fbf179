"""The daily scheduler: which jobs run each day, enqueued exactly once per day.

Public names (stable)::

    from dieuphoi.workdays.scheduler import register_daily_job, schedule_day

    # in your AppConfig.ready():
    register_daily_job("notifications.reminders", reminders_daily)
    register_daily_job("tasks.progress_requests", progress_requests_daily,
                       working_days_only=True)

``register_daily_job(name, job, *, working_days_only=False)``: ``job`` is a
django-tasks ``Task`` (``@task()`` or ``@retrying_task()``) called with one
keyword argument, ``day="YYYY-MM-DD"``: the local day it works for. Jobs
use that day as "today", never the clock, which is how ``--on`` moves time in
tests and re-runs a missed day. With ``working_days_only`` the job is not
enqueued on weekends, holidays and announced days off.

``schedule_day(day, *, force=False, only=None) -> ScheduleResult``: for each
registered job, in one transaction, insert ``DailyRun(name, day)`` (unique)
and enqueue the job. With the database backend the job row commits or rolls
back with the ``DailyRun`` row, so running it twice for a day, or two
schedulers at once, enqueues each job once. ``force`` enqueues again even
when the day has run (for recovery; safe only because of the contract below).

Contract for daily jobs: idempotent. A job may still run twice for a day
(``--force``, a retry, a re-queue after its worker died, a crash half-way
through its own loop), so it must write each effect under a unique key
(``Reminder(task, kind, deadline)`` unique, ``get_or_create`` / insert on
conflict do nothing) and send only what it inserted, never check-then-send.

``manage.py schedule_daily [--on YYYY-MM-DD] [--force] [--only NAME]`` runs
``schedule_day`` once; ``--loop`` keeps running, fires once per local day at
or after ``settings.SCHEDULER_RUN_AT`` and reaps stale jobs every few minutes.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django_tasks.base import Task

from . import calendar
from .models import DailyRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyJob:
    name: str
    job: Task
    working_days_only: bool = False


@dataclass
class ScheduleResult:
    day: datetime.date
    enqueued: list[str] = field(default_factory=list)
    already_ran: list[str] = field(default_factory=list)
    not_a_working_day: list[str] = field(default_factory=list)


_REGISTRY: dict[str, DailyJob] = {}


def register_daily_job(
    name: str, job: Task, *, working_days_only: bool = False
) -> None:
    """Add ``job`` to every day's run under ``name`` (unique, ≤ 100 chars)."""
    if not isinstance(job, Task):
        raise TypeError(
            f"register_daily_job({name!r}): the job must be a django-tasks Task "
            "(decorate it with @task() or @retrying_task()), got "
            f"{type(job).__name__}"
        )
    if not name or len(name) > 100:
        raise ValueError("A daily job name must be 1 to 100 characters.")
    entry = DailyJob(name=name, job=job, working_days_only=working_days_only)
    existing = _REGISTRY.get(name)
    if existing is not None and existing.job.module_path != job.module_path:
        raise ValueError(
            f"Daily job {name!r} is already registered for {existing.job.module_path}."
        )
    _REGISTRY[name] = entry


def unregister_daily_job(name: str) -> None:
    """For tests that register a job of their own."""
    _REGISTRY.pop(name, None)


def daily_jobs() -> list[DailyJob]:
    """Registered jobs, in registration order."""
    return list(_REGISTRY.values())


def schedule_day(
    day: datetime.date, *, force: bool = False, only: str | None = None
) -> ScheduleResult:
    """Enqueue ``day``'s jobs that have not been enqueued for it yet."""
    result = ScheduleResult(day=day)
    jobs = daily_jobs()
    if only is not None:
        jobs = [entry for entry in jobs if entry.name == only]
        if not jobs:
            raise KeyError(only)
    working = calendar.is_working_day(day)
    for entry in jobs:
        if entry.working_days_only and not working:
            result.not_a_working_day.append(entry.name)
            continue
        if _enqueue_once(entry, day, force=force):
            result.enqueued.append(entry.name)
        else:
            result.already_ran.append(entry.name)
    return result


def _enqueue_once(entry: DailyJob, day: datetime.date, *, force: bool) -> bool:
    try:
        with transaction.atomic():
            run, created = DailyRun.objects.select_for_update().get_or_create(
                name=entry.name, day=day
            )
            if not created and not force:
                return False
            job_result = entry.job.enqueue(day=day.isoformat())
            run.job_id = str(job_result.id)[:64]
            run.backend = str(job_result.backend)[:50]
            run.save(update_fields=["job_id", "backend"])
    except IntegrityError:
        # Another scheduler inserted the same (name, day) first: it enqueues.
        return False
    logger.info("Enqueued daily job %s for %s", entry.name, day.isoformat())
    return True
