"""Background-job infrastructure shared by every app (no domain logic).

Why an app and not ``core/jobs.py``: it owns two tables (``JobProgress``,
``WorkerHeartbeat``), a view and its own migrations.

Public names (stable):

- ``dieuphoi.jobs.retry.retrying_task(max_attempts=5, backoff=..., **task_options)``:
  use instead of ``@task()`` for jobs that may fail transiently (e-mail,
  HTTP). On an exception the job re-enqueues itself with ``run_after`` = now +
  back-off and the attempt number in its kwargs (``_attempt``), up to
  ``max_attempts``; the last failure stays FAILED for administrators to see.
  ``exponential_backoff(base=60, factor=2, cap=3600)`` is the default.
- ``dieuphoi.jobs.progress``: ``enqueue_with_progress(task, owner=, label=,
  total=, args=, kwargs=) -> JobProgress`` (the job gets a ``progress_id``
  kwarg), ``job_progress_start(job_id=, owner=, label=, total=)``,
  ``job_progress_update(progress_id_or_job_id, done, total=None,
  message=None)``, ``job_progress_finish(key, result_url=, message=,
  failed=)``. The UI includes ``components/job_progress.html`` with
  ``progress=<JobProgress>``; it polls ``jobs:progress`` (owner or
  administrator; anyone else 404).
- ``dieuphoi.jobs.reaper.reap_stale_jobs(now=None) -> ReapResult``: RUNNING
  database-backend jobs whose worker is dead (no heartbeat) or that started
  too long ago are re-queued, or marked failed after
  ``JOB_REAP_MAX_ATTEMPTS``. Run by ``schedule_daily --loop`` every few
  minutes, by ``jobs_worker`` at start, and by ``manage.py reap_jobs``.
- ``manage.py jobs_worker``: ``db_worker`` plus a heartbeat, so a killed
  worker's job is found within ``JOB_HEARTBEAT_TIMEOUT_SECONDS``.

Contract for every job: it must be idempotent. A job may run twice (a retry
after a half-done attempt, a re-queue after its worker died, a second
scheduler run racing the first): write with unique keys (insert ... on
conflict do nothing, ``get_or_create`` on a unique constraint), never
check-then-send.
"""
