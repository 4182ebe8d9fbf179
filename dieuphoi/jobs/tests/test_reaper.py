import datetime
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dieuphoi.jobs.models import JobProgress, WorkerHeartbeat
from dieuphoi.jobs.reaper import heartbeat, reap_stale_jobs

pytestmark = pytest.mark.django_db

NOW = timezone.now()
MIN = datetime.timedelta(minutes=1)


def running_job(*, worker_ids=("worker-1",), started=NOW - 120 * MIN):
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {"value": "x"}},
        task_path="dieuphoi.jobs.tests.sample_jobs.record",
        backend_name="default",
        run_after=NOW - 130 * MIN,
        started_at=started,
        worker_ids=list(worker_ids),
    )


def test_a_job_whose_worker_has_no_heartbeat_and_started_long_ago_is_requeued():
    job = running_job()
    result = reap_stale_jobs(now=NOW)
    job.refresh_from_db()
    assert result.requeued == [str(job.id)]
    assert job.status == "READY"
    assert job.run_after == NOW


def test_a_recent_job_of_a_worker_without_heartbeat_is_left_alone():
    job = running_job(started=NOW - 5 * MIN)
    assert not reap_stale_jobs(now=NOW)
    job.refresh_from_db()
    assert job.status == "RUNNING"


def test_a_long_job_of_a_live_worker_is_left_alone():
    job = running_job(started=NOW - 300 * MIN)
    heartbeat("worker-1", now=NOW - 10 * datetime.timedelta(seconds=1))
    assert not reap_stale_jobs(now=NOW)
    job.refresh_from_db()
    assert job.status == "RUNNING"


def test_a_job_whose_worker_stopped_beating_is_requeued_at_once():
    job = running_job(started=NOW - 3 * MIN)
    heartbeat("worker-1", now=NOW - 2 * MIN)
    assert reap_stale_jobs(now=NOW).requeued == [str(job.id)]


def test_a_job_of_a_dead_process_on_this_machine_is_requeued_at_once():
    job = running_job(started=NOW - 1 * MIN)
    heartbeat("worker-1", now=NOW)
    # The worker was killed: its process id no longer exists.
    WorkerHeartbeat.objects.filter(worker_id="worker-1").update(pid=2**22 + 12345)
    assert reap_stale_jobs(now=NOW).requeued == [str(job.id)]


def test_progress_counts_as_a_sign_of_life_for_workers_without_heartbeat():
    job = running_job(started=NOW - 300 * MIN)
    progress = JobProgress.objects.create(job_id=str(job.id), done=5, total=10)
    JobProgress.objects.filter(pk=progress.pk).update(updated_at=NOW - 2 * MIN)
    assert not reap_stale_jobs(now=NOW)


def test_after_max_attempts_the_job_is_marked_failed():
    job = running_job(worker_ids=("w1", "w2", "w3"))
    result = reap_stale_jobs(now=NOW, max_attempts=3)
    job.refresh_from_db()
    assert result.failed == [str(job.id)]
    assert job.status == "FAILED"
    assert job.exception_class_path == "dieuphoi.jobs.reaper.WorkerLost"
    assert "w3" in job.traceback


def test_finished_jobs_are_never_touched():
    job = running_job()
    DBTaskResult.objects.filter(pk=job.pk).update(status="SUCCESSFUL")
    assert not reap_stale_jobs(now=NOW)
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"


def test_a_requeued_job_runs_again_on_the_next_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = running_job()
    reap_stale_jobs(now=timezone.now())
    call_command(
        "jobs_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"
    assert len(job.worker_ids) == 2
    assert JobProgress.objects.filter(job_id="record-x").count() == 1


def test_old_heartbeats_are_cleared():
    heartbeat("gone", now=NOW - 60 * MIN)
    reap_stale_jobs(now=NOW)
    assert not WorkerHeartbeat.objects.filter(worker_id="gone").exists()


def test_reap_jobs_command_reports_what_it_did(capsys):
    running_job()
    call_command("reap_jobs")
    assert "Re-queued 1 job(s), marked 0 failed." in capsys.readouterr().out
