"""Find database-backend jobs stuck in RUNNING because their worker died.

``reap_stale_jobs(now=None, heartbeat_timeout=None, stale_after=None,
max_attempts=None) -> ReapResult``

A RUNNING job is stale when

- its (last) worker is a ``jobs_worker`` that has not written its heartbeat
  for ``heartbeat_timeout`` (``JOB_HEARTBEAT_TIMEOUT_SECONDS``, 90 s), or
  that ran on this machine under a process id that no longer exists: the
  process is gone, whatever the job's age; or
- its worker never wrote a heartbeat (a plain ``db_worker``), the job started
  more than ``stale_after`` ago (``JOB_STALE_AFTER_MINUTES``, 60) and its
  ``JobProgress``, if any, has not moved for as long.

A stale job is made READY again to run at once when it has been claimed fewer
than ``max_attempts`` times (``JOB_REAP_MAX_ATTEMPTS``, 3; each claim appends
to ``worker_ids``), else it is marked FAILED with ``WorkerLost``. Every change
is a conditional UPDATE on the row still being RUNNING with the same
``started_at``, so a worker that finishes meanwhile wins and nothing is
reaped twice. Jobs must be idempotent: a re-queued job may have done part of
its work.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import JobProgress, WorkerHeartbeat

logger = logging.getLogger(__name__)

RUNNING = "RUNNING"


class WorkerLost(Exception):
    """The job's worker stopped (killed, crashed, machine lost) mid-job."""


@dataclass
class ReapResult:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.requeued or self.failed)


def _seconds(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def heartbeat(worker_id: str, *, now: datetime.datetime | None = None) -> None:
    """Record that ``worker_id`` (this process) is alive."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "last_seen": now,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def heartbeat_forget(worker_id: str) -> None:
    """A worker stopping cleanly removes its row."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _process_alive(pid: int | None) -> bool:
    """Whether a process of this machine still runs (a worker killed and
    restarted at once is seen dead without waiting for its heartbeat)."""
    if not pid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def reap_stale_jobs(
    *,
    now: datetime.datetime | None = None,
    heartbeat_timeout: datetime.timedelta | None = None,
    stale_after: datetime.timedelta | None = None,
    max_attempts: int | None = None,
) -> ReapResult:
    now = now or timezone.now()
    heartbeat_timeout = heartbeat_timeout or datetime.timedelta(
        seconds=_seconds("JOB_HEARTBEAT_TIMEOUT_SECONDS", 90)
    )
    stale_after = stale_after or datetime.timedelta(
        minutes=_seconds("JOB_STALE_AFTER_MINUTES", 60)
    )
    max_attempts = max_attempts or _seconds("JOB_REAP_MAX_ATTEMPTS", 3)

    # Heartbeats of workers long gone only clutter the table.
    WorkerHeartbeat.objects.filter(last_seen__lt=now - 10 * heartbeat_timeout).delete()
    running = list(
        DBTaskResult.objects.filter(status=RUNNING).values(
            "id", "worker_ids", "started_at"
        )
    )
    result = ReapResult()
    if not running:
        return result
    last_worker = {row["id"]: (row["worker_ids"] or [None])[-1] for row in running}
    beats = {
        worker_id: (last_seen, hostname, pid)
        for worker_id, last_seen, hostname, pid in WorkerHeartbeat.objects.filter(
            worker_id__in=[w for w in last_worker.values() if w]
        ).values_list("worker_id", "last_seen", "hostname", "pid")
    }
    this_host = socket.gethostname()[:255]
    moved = dict(
        JobProgress.objects.filter(job_id__in=[str(row["id"]) for row in running])
        .values("job_id")
        .annotate(latest=Max("updated_at"))
        .values_list("job_id", "latest")
    )
    for row in running:
        worker = last_worker[row["id"]]
        started = row["started_at"]
        if worker in beats:
            last_seen, hostname, pid = beats[worker]
            stale = last_seen < now - heartbeat_timeout or (
                hostname == this_host and not _process_alive(pid)
            )
        else:
            latest = max(
                filter(None, [started, moved.get(str(row["id"]))]), default=None
            )
            stale = latest is None or latest < now - stale_after
        if not stale:
            continue
        attempts = len(row["worker_ids"] or [])
        job_id = str(row["id"])
        same_run = DBTaskResult.objects.filter(
            id=row["id"], status=RUNNING, started_at=started
        )
        if attempts < max_attempts:
            if same_run.update(status="READY", run_after=now):
                result.requeued.append(job_id)
                logger.warning(
                    "Re-queued job %s: worker %s lost (attempt %s of %s).",
                    job_id,
                    worker,
                    attempts,
                    max_attempts,
                )
        else:
            message = (
                f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: the worker "
                f"{worker} stopped during attempt {attempts} of {max_attempts}; "
                "not re-queued again."
            )
            if same_run.update(
                status="FAILED",
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=message,
                return_value=None,
            ):
                result.failed.append(job_id)
                logger.error("Marked job %s failed: %s", job_id, message)
    return result
