"""Round trips through the real backends: the database queue drained by
``db_worker --batch`` / ``jobs_worker --batch``, and Redis through RQ."""

import uuid

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from dieuphoi.jobs.models import JobProgress, WorkerHeartbeat

from . import sample_jobs

pytestmark = pytest.mark.django_db


def drain(command="db_worker"):
    call_command(command, "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_database_backend_runs_a_job_and_the_batch_worker_exits(db_backend):
    result = sample_jobs.record.enqueue(value="hanoi")
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "READY"

    drain()

    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.return_value == "HANOI"
    assert JobProgress.objects.filter(job_id="record-hanoi").exists()
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_jobs_worker_drains_and_removes_its_heartbeat(db_backend):
    results = [sample_jobs.record.enqueue(value=f"v{i}") for i in range(3)]

    drain("jobs_worker")

    statuses = set(
        DBTaskResult.objects.filter(id__in=[r.id for r in results]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {"SUCCESSFUL"}
    # A clean stop leaves no heartbeat behind for the reaper to misread.
    assert not WorkerHeartbeat.objects.exists()


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(django_settings.REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {django_settings.REDIS_URL}: {exc}")
    return client


def test_rq_backend_round_trip_through_redis(settings):
    client = _redis()
    from django_tasks_rq.backend import Job
    from rq import Queue as RQQueue
    from rq import SimpleWorker

    queue_name = f"test-{uuid.uuid4().hex[:12]}"
    settings.RQ_QUEUES = {
        "default": {"URL": settings.REDIS_URL},
        queue_name: {"URL": settings.REDIS_URL},
    }
    settings.RQ = {"COMMIT_MODE": "auto"}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}
    }
    job = sample_jobs.record.using(queue_name=queue_name)
    queue = RQQueue(queue_name, connection=client, job_class=Job)
    try:
        result = job.enqueue(value="redis")
        assert queue.count == 1
        assert default_task_backend.get_result(result.id).status == "READY"

        worker = SimpleWorker([queue], connection=client, job_class=Job)
        assert worker.work(burst=True)

        done = default_task_backend.get_result(result.id)
        assert done.status == "SUCCESSFUL"
        assert done.return_value == "REDIS"
        # The job ran in this process, inside the test's transaction.
        assert JobProgress.objects.filter(job_id="record-redis").exists()
    finally:
        queue.delete(delete_jobs=True)
