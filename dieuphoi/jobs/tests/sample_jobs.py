"""Jobs used by the tests (module level, so workers can import them)."""

from django_tasks import task

from dieuphoi.jobs.progress import job_progress_finish, job_progress_update
from dieuphoi.jobs.retry import exponential_backoff, retrying_task

CALLS: list[dict] = []


@task()
def record(*, value: str) -> str:
    from dieuphoi.jobs.models import JobProgress

    # A visible side effect in the database the test can read back.
    JobProgress.objects.create(job_id=f"record-{value}", label=value)
    return value.upper()


@retrying_task(max_attempts=3, backoff=exponential_backoff(base=10, factor=3))
def always_fails(*, value: str) -> None:
    CALLS.append({"value": value})
    raise ConnectionRefusedError("SMTP server refused the connection")


@retrying_task(max_attempts=4, backoff=5)
def fails_once(*, value: str, _attempt: int = 1) -> int:
    CALLS.append({"value": value, "attempt": _attempt})
    if _attempt == 1:
        raise TimeoutError("first try times out")
    return _attempt


@retrying_task(max_attempts=5, retry_on=(TimeoutError,))
def fails_for_good(*, value: str) -> None:
    CALLS.append({"value": value})
    raise ValueError("bad data: retrying will not help")


@task()
def counts_to(*, progress_id: str, n: int) -> None:
    for i in range(1, n + 1):
        job_progress_update(progress_id, i, n)
    job_progress_finish(progress_id, result_url="/documents/1/")


@task()
def sleepy(*, value: str, seconds: float) -> str:
    """For a manual kill-the-worker check: slow, then one unique row."""
    import time

    from dieuphoi.jobs.models import JobProgress

    time.sleep(seconds)
    JobProgress.objects.get_or_create(job_id=f"sleepy-{value}")
    return value
