"""Daily jobs used by the scheduler tests (module level, so the worker can
import them). Each is idempotent the way the contract asks: one row per day
under a unique key."""

from django_tasks import task

from dieuphoi.jobs.models import JobProgress


@task()
def reminders(*, day: str) -> str:
    # get_or_create on a unique key: a second run for the day adds nothing.
    JobProgress.objects.get_or_create(job_id=f"reminders-{day}")
    return day


@task()
def progress_requests(*, day: str) -> str:
    JobProgress.objects.get_or_create(job_id=f"progress-{day}")
    return day
