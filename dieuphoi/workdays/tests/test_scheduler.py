import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django_tasks import default_task_backend
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from dieuphoi.jobs.models import JobProgress
from dieuphoi.workdays import scheduler
from dieuphoi.workdays.management.commands import schedule_daily
from dieuphoi.workdays.models import CalendarDay, DailyRun

from . import daily_jobs

pytestmark = pytest.mark.django_db
D = datetime.date
DB = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def registry(monkeypatch):
    """Only this test's daily jobs, whatever other apps registered."""
    monkeypatch.setattr(scheduler, "_REGISTRY", {})
    scheduler.register_daily_job("test.reminders", daily_jobs.reminders)
    scheduler.register_daily_job(
        "test.progress_requests", daily_jobs.progress_requests, working_days_only=True
    )
    default_task_backend.clear()
    yield scheduler._REGISTRY
    default_task_backend.clear()


def run(*args):
    out = StringIO()
    call_command("schedule_daily", *args, stdout=out)
    return out.getvalue()


def enqueued_days():
    return sorted((r.task.name, r.kwargs["day"]) for r in default_task_backend.results)


def test_twice_the_same_day_enqueues_once(registry):
    run("--on", "2026-03-02")
    out = run("--on", "2026-03-02")
    assert enqueued_days() == [
        ("progress_requests", "2026-03-02"),
        ("reminders", "2026-03-02"),
    ]
    assert DailyRun.objects.filter(day=D(2026, 3, 2)).count() == 2
    assert "already ran for this day" in out


def test_a_past_day_runs_with_that_day(registry):
    out = run("--on", "2025-09-03")
    assert ("reminders", "2025-09-03") in enqueued_days()
    assert "2025-09-03: enqueued test.reminders" in out
    run_row = DailyRun.objects.get(name="test.reminders")
    assert run_row.day == D(2025, 9, 3)
    assert run_row.job_id


def test_without_on_it_runs_for_today(registry):
    run()
    from dieuphoi.core.models import local_today

    assert ("reminders", local_today().isoformat()) in enqueued_days()


@pytest.mark.parametrize("raw", ["23/02/2026", "2026-02-30", "tomorrow", ""])
def test_an_invalid_on_is_a_clear_error(registry, raw):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--on", raw)
    assert not DailyRun.objects.exists()


def test_working_day_jobs_skip_tet_and_run_on_a_swapped_saturday(registry):
    out = run("--on", "2026-02-17")  # Tết
    assert enqueued_days() == [("reminders", "2026-02-17")]
    assert "runs on working days only" in out
    run("--on", "2026-08-22")  # the package's swapped working Saturday
    assert ("progress_requests", "2026-08-22") in enqueued_days()
    run("--on", "2026-12-12")  # an ordinary Saturday...
    assert ("progress_requests", "2026-12-12") not in enqueued_days()
    CalendarDay.objects.create(date=D(2026, 12, 19), kind="working_day")
    run("--on", "2026-12-19")  # ...and one the table made a working day
    assert ("progress_requests", "2026-12-19") in enqueued_days()


def test_force_enqueues_again(registry):
    run("--on", "2026-03-02", "--only", "test.reminders")
    run("--on", "2026-03-02", "--only", "test.reminders", "--force")
    assert enqueued_days() == [("reminders", "2026-03-02")] * 2
    assert DailyRun.objects.count() == 1


def test_an_unknown_only_is_a_clear_error(registry):
    with pytest.raises(CommandError, match="No daily job named 'nope'"):
        run("--only", "nope")


def test_loop_refuses_on(registry):
    with pytest.raises(CommandError):
        run("--loop", "--on", "2026-03-02")


def test_registering_needs_a_task(registry):
    with pytest.raises(TypeError):
        scheduler.register_daily_job("bad", lambda day: None)
    with pytest.raises(ValueError, match="already registered"):
        scheduler.register_daily_job("test.reminders", daily_jobs.progress_requests)
    # The same job again is fine (apps may be readied twice in tests).
    scheduler.register_daily_job("test.reminders", daily_jobs.reminders)


def test_database_backend_twice_then_the_worker_runs_each_job_once(registry, settings):
    settings.TASKS = DB
    run("--on", "2026-03-02")
    run("--on", "2026-03-02")
    assert DBTaskResult.objects.count() == 2
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert set(JobProgress.objects.values_list("job_id", flat=True)) == {
        "reminders-2026-03-02",
        "progress-2026-03-02",
    }


def test_a_crash_half_way_then_a_rerun_enqueues_only_what_is_missing(
    registry, settings
):
    settings.TASKS = DB
    original = DatabaseBackend.enqueue

    def crash_on_progress_requests(self, task, args, kwargs):
        if task.name == "progress_requests":
            raise RuntimeError("process killed")
        return original(self, task, args, kwargs)

    with (
        mock.patch.object(
            DatabaseBackend,
            "enqueue",
            autospec=True,
            side_effect=crash_on_progress_requests,
        ),
        pytest.raises(RuntimeError),
    ):
        run("--on", "2026-03-02")
    # The failed job's DailyRun rolled back with its enqueue.
    assert list(DailyRun.objects.values_list("name", flat=True)) == ["test.reminders"]
    assert DBTaskResult.objects.count() == 1

    out = run("--on", "2026-03-02")
    assert "enqueued test.progress_requests" in out
    assert "test.reminders already ran" in out
    assert DBTaskResult.objects.count() == 2


class OneShot:
    """Stands in for threading.Event: the first wait stops the loop."""

    def __init__(self):
        self.stopped = False

    def is_set(self):
        return self.stopped

    def set(self):
        self.stopped = True

    def wait(self, timeout=None):
        self.stopped = True
        return True


def local(hour, minute=0):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(2026, 3, 2, hour, minute))


def test_loop_fires_after_the_run_time_and_reaps(registry, settings):
    settings.TASKS = DB
    settings.SCHEDULER_RUN_AT = "06:00"
    with (
        mock.patch.object(schedule_daily.threading, "Event", OneShot),
        mock.patch.object(schedule_daily.timezone, "localtime", return_value=local(7)),
        mock.patch("dieuphoi.jobs.reaper.reap_stale_jobs") as reaper,
    ):
        out = run("--loop")
    assert "2026-03-02: enqueued test.reminders" in out
    assert DailyRun.objects.filter(day=D(2026, 3, 2)).count() == 2
    reaper.assert_called_once()


def test_loop_waits_before_the_run_time(registry, settings):
    settings.SCHEDULER_RUN_AT = "06:00"
    with (
        mock.patch.object(schedule_daily.threading, "Event", OneShot),
        mock.patch.object(
            schedule_daily.timezone, "localtime", return_value=local(5, 59)
        ),
    ):
        run("--loop")
    assert not DailyRun.objects.exists()
