import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dieuphoi.jobs.retry import exponential_backoff, retrying_task

from . import sample_jobs
from .conftest import IMMEDIATE_BACKEND

pytestmark = pytest.mark.django_db


def drain():
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def test_backoff_grows_and_is_capped():
    delay = exponential_backoff(base=60, factor=2, cap=300)
    assert [delay(n) for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


def test_max_attempts_must_be_positive():
    with pytest.raises(ValueError):
        retrying_task(max_attempts=0)


def test_a_failure_re_enqueues_with_back_off_and_the_next_attempt(dummy_backend):
    before = timezone.now()
    with pytest.raises(ConnectionRefusedError):
        sample_jobs.always_fails.call(value="a")
    [retry] = dummy_backend.results
    assert retry.kwargs == {"value": "a", "_attempt": 2}
    wait = retry.task.run_after - before
    assert datetime.timedelta(seconds=10) <= wait < datetime.timedelta(seconds=12)

    with pytest.raises(ConnectionRefusedError):
        sample_jobs.always_fails.call(value="a", _attempt=2)
    third = dummy_backend.results[1]
    assert third.kwargs["_attempt"] == 3
    wait = third.task.run_after - before
    assert datetime.timedelta(seconds=30) <= wait < datetime.timedelta(seconds=32)


def test_the_last_attempt_fails_without_re_enqueueing(dummy_backend):
    with pytest.raises(ConnectionRefusedError):
        sample_jobs.always_fails.call(value="a", _attempt=3)
    assert dummy_backend.results == []


def test_exceptions_outside_retry_on_are_not_retried(dummy_backend):
    with pytest.raises(ValueError):
        sample_jobs.fails_for_good.call(value="a")
    assert dummy_backend.results == []


def test_immediate_backend_retries_at_once_and_the_job_sees_its_attempt(settings):
    settings.TASKS = IMMEDIATE_BACKEND
    sample_jobs.fails_once.enqueue(value="b")
    assert sample_jobs.CALLS == [
        {"value": "b", "attempt": 1},
        {"value": "b", "attempt": 2},
    ]


def test_database_backend_attempts_are_bounded_and_all_failures_stay_visible(
    db_backend,
):
    sample_jobs.always_fails.enqueue(value="smtp")
    for _ in range(10):  # far more rounds than attempts
        drain()
        waiting = DBTaskResult.objects.filter(status="READY")
        if not waiting.exists():
            break
        # The retry waits for its back-off: the worker left it; move time on.
        assert waiting.get().run_after > timezone.now()
        waiting.update(run_after=timezone.now())

    rows = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [row.args_kwargs["kwargs"].get("_attempt", 1) for row in rows] == [1, 2, 3]
    assert {row.status for row in rows} == {"FAILED"}
    assert all("ConnectionRefusedError" in row.exception_class_path for row in rows)
    assert len(sample_jobs.CALLS) == 3
