"""Background jobs of the notifications app (thin: they call services).

- ``email_send(ids=[...])``: send outbox e-mails (``emails.send_outgoing``);
  failed ones are retried by a later job with back-off, bounded; the job
  itself fails (visible in the jobs admin) when any e-mail failed. Rows
  another worker claimed are not skipped as done: the job enqueues itself
  again for when their claims go stale (``EMAIL_CLAIM_TIMEOUT_SECONDS``), so
  a job re-queued after its worker died sends what that worker left.
- ``email_reclaim_day(day=...)``: daily, sends again (or fails for good) every
  e-mail whose sender died (``emails.reclaim_stale``), for rows no job
  covers any more.
- ``digest_send_day(day="YYYY-MM-DD")``: the daily digest, a daily job
  (``register_daily_job("notifications.digest", ...)``). It runs after the
  day's other daily jobs (lower priority; and when several workers run, it
  waits for the others of the same day to finish, a bounded number of times),
  so the reminders of day D are in day D's digest.
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


@task()
def email_send(*, ids: list[int]) -> dict:
    result = emails.send_outgoing(ids)
    summary = {
        "sent": len(result.sent),
        "retry": len(result.retry),
        "failed": len(result.failed),
        "waiting": len(result.waiting),
    }
    if result.waiting:
        _send_when_stale(result.waiting)
    if result.errors:
        first = next(iter(result.errors.values()))
        raise emails.EmailDeliveryError(
            f"{len(result.errors)} of {len(ids)} e-mails failed "
            f"({summary['retry']} will be retried): {first}"
        )
    return summary


def _send_when_stale(waiting: dict[int, datetime.datetime]) -> None:
    """Another worker holds these rows: look again once its claim is stale
    (sent by it meanwhile: nothing to do then). Backends that cannot defer
    leave them to the daily ``email_reclaim_day``."""
    if not email_send.get_backend().supports_defer:
        logger.info(
            "E-mails %s are claimed by another worker; the daily job checks them.",
            sorted(waiting),
        )
        return
    run_after = max(waiting.values()) + datetime.timedelta(seconds=1)
    email_send.using(run_after=run_after).enqueue(ids=sorted(waiting))
    logger.info(
        "E-mails %s are claimed by another worker; looked at again after %s.",
        sorted(waiting),
        run_after.isoformat(),
    )


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
