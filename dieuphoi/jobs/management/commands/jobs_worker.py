"""``db_worker`` with a heartbeat: the worker ``make run`` starts.

Every ``--heartbeat`` seconds (default a third of
``JOB_HEARTBEAT_TIMEOUT_SECONDS``) a thread records that this worker is
alive, so ``reap_stale_jobs`` can tell a long job from a dead worker. At
start the worker reaps once: a worker restarted after a crash picks its
predecessor's job up again at once (when its heartbeat has expired). All
``db_worker`` options work (``--batch``, ``--queue-name`` ...).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from dieuphoi.jobs.reaper import heartbeat, heartbeat_forget, reap_stale_jobs

logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = "Run a database job worker that reports a heartbeat (db_worker + liveness)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat",
            type=float,
            default=None,
            help="Seconds between heartbeats (default: a third of the timeout).",
        )

    def handle(self, *args, heartbeat: float | None = None, **options):
        worker_id = options["worker_id"]
        interval = heartbeat or max(
            1.0, getattr(settings, "JOB_HEARTBEAT_TIMEOUT_SECONDS", 90) / 3
        )
        stop = threading.Event()
        _beat(worker_id)
        try:
            reaped = reap_stale_jobs()
            if reaped:
                logger.warning(
                    "At start: re-queued %s and failed %s stale jobs.",
                    len(reaped.requeued),
                    len(reaped.failed),
                )
        except Exception:  # the worker must start even if reaping fails
            logger.exception("Reaping stale jobs at start failed")
        thread = threading.Thread(
            target=_beat_loop, args=(worker_id, interval, stop), daemon=True
        )
        thread.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            try:
                heartbeat_forget(worker_id)
            except Exception:  # pragma: no cover - the database may be gone
                logger.exception("Could not remove the heartbeat of %s", worker_id)


def _beat(worker_id: str) -> None:
    try:
        heartbeat(worker_id)
    except Exception:  # a locked or unreachable database: try again later
        logger.exception("Heartbeat of %s failed", worker_id)


def _beat_loop(worker_id: str, interval: float, stop: threading.Event) -> None:
    try:
        while not stop.wait(interval):
            close_old_connections()
            _beat(worker_id)
    finally:
        connection.close()
