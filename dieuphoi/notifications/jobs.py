"""Background jobs of the notifications app (thin: they call ``emails`` and
``services``).

- ``email_reclaim_day(day=...)``: daily, sends again (or fails for good) every
  e-mail whose sender died (``emails.reclaim_stale``), for rows no job
  covers any more.
- ``digest_send_day(day="YYYY-MM-DD")``: the daily digest, a daily job
  (``register_daily_job("notifications.digest", ...)``). It runs after the
  day's other daily jobs (lower priority; and when several workers run, it
  waits for the others of the same day to finish, a bounded number of times),
  so the reminders of day D are in day D's digest.

The send job, ``emails.email_send(ids=[...])``, is in ``emails``, with the
sending it runs and retries and ``emails.queue_emails`` that enqueues it:
``services`` queues e-mails and this module calls ``services``.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from . import emails, services

logger = logging.getLogger(__name__)

DIGEST_PRIORITY = -10
DIGEST_WAIT_SECONDS = 60
DIGEST_MAX_WAITS = 30
UNFINISHED = {"READY", "RUNNING"}

# Send jobs queued before the send job moved to ``emails`` name it by this
# path ("dieuphoi.notifications.jobs.email_send"): it must still resolve.
email_send = emails.email_send


@task()
def email_reclaim_day(*, day: str) -> dict:
    result = emails.reclaim_stale()
    return {
        "sent": len(result.sent),
        "retry": len(result.retry),
        "failed": len(result.failed),
    }


def daily_digest_job():
    """The digest job as the scheduler enqueues it: after the day's other
    jobs (a lower priority) on backends that order by priority; on the others
    (RQ) it waits for them (``other_daily_jobs_unfinished``)."""
    if digest_send_day.get_backend().supports_priority:
        return digest_send_day.using(priority=DIGEST_PRIORITY)
    return digest_send_day


def other_daily_jobs_unfinished(day: datetime.date, own_name: str) -> bool:
    """Whether another daily job of ``day`` is still queued or running."""
    from django_tasks import default_task_backend

    from dieuphoi.workdays.models import DailyRun

    if not default_task_backend.supports_get_result or type(
        default_task_backend
    ).__name__ in ("DummyBackend", "ImmediateBackend"):
        return False
    for job_id in (
        DailyRun.objects.filter(day=day)
        .exclude(name=own_name)
        .exclude(job_id="")
        .values_list("job_id", flat=True)
    ):
        try:
            status = str(default_task_backend.get_result(job_id).status)
        except Exception:  # noqa: S112 - unknown or purged job: not waiting for it  # nosec B112
            continue
        if status in UNFINISHED:
            return True
    return False


@task()
def digest_send_day(*, day: str, _waited: int = 0) -> int:
    on = datetime.date.fromisoformat(day)
    if _waited < DIGEST_MAX_WAITS and other_daily_jobs_unfinished(
        on, "notifications.digest"
    ):
        job = daily_digest_job()
        if job.get_backend().supports_defer:
            job = job.using(
                run_after=timezone.now()
                + datetime.timedelta(seconds=DIGEST_WAIT_SECONDS)
            )
        job.enqueue(day=day, _waited=_waited + 1)
        logger.info("Digest of %s waits for the day's other jobs.", day)
        return 0
    return len(services.digest_prepare(day=on))
