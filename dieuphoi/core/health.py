"""The health check behind ``/healthz``: bounded in time whatever the database does.

``check(timeout=None, settings_dict=None) -> Health``

The probe runs in a short-lived thread on a private connection (never the
request's own, so a stuck connection is not handed back to the pool of
persistent connections) and the caller waits at most ``timeout`` seconds
(``HEALTHZ_TIMEOUT_SECONDS``, 3):

- connecting is bounded by ``connect_timeout`` (PostgreSQL; the smaller of
  ``DB_CONNECT_TIMEOUT`` and the health timeout, at least 2 s as libpq wants);
- each statement by ``SET LOCAL statement_timeout`` (PostgreSQL), for a
  database that answers slowly;
- a database that accepts the connection and then never answers: when the
  wait ends, the probe's socket is shut down, which ends the blocked read in
  the thread.

Only one probe runs at a time: while one is still stuck, the next check
answers "down" at once instead of starting another thread.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend

_running = threading.Lock()
# The probe's statement (tests make it slow).
PROBE_SQL = "SELECT 1"


@dataclass
class Health:
    up: bool
    database: str = "ok"
    jobs: dict = field(default_factory=dict)
    error: str = ""


def timeout_seconds() -> float:
    return float(getattr(settings, "HEALTHZ_TIMEOUT_SECONDS", 3))


def _private_settings(settings_dict: dict, timeout: float) -> dict:
    private = {**settings_dict, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False}
    options = dict(private.get("OPTIONS") or {})
    if "postgresql" in private.get("ENGINE", ""):
        connect = int(getattr(settings, "DB_CONNECT_TIMEOUT", 5))
        options["connect_timeout"] = max(2, min(connect, int(timeout) or 1))
    elif "sqlite" in private.get("ENGINE", ""):
        # Reads never wait for SQLite's writer in WAL mode; do not wait 20 s
        # for a lock anyway.
        options["timeout"] = min(float(options.get("timeout", 5)), timeout)
    private["OPTIONS"] = options
    return private


def _jobs_table() -> str | None:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the DB backend is installed
        return None
    return DBTaskResult._meta.db_table


def query(wrapper, timeout: float) -> dict:
    """``{"READY": n, "FAILED": m}`` after ``PROBE_SQL``, on ``wrapper``."""
    counts = {"READY": 0, "FAILED": 0}
    with wrapper.cursor() as cursor:
        postgres = wrapper.vendor == "postgresql"
        if postgres:
            cursor.execute("BEGIN")
            cursor.execute(
                "SET LOCAL statement_timeout = %s", [f"{int(timeout * 1000)}ms"]
            )
        cursor.execute(PROBE_SQL)
        cursor.fetchone()
        table = _jobs_table()
        if table:
            try:
                cursor.execute(
                    f"SELECT status, COUNT(*) FROM {wrapper.ops.quote_name(table)} "  # noqa: S608 - a model's table name  # nosec B608
                    "WHERE status IN ('READY', 'FAILED') GROUP BY status"
                )
                counts.update(dict(cursor.fetchall()))
            except Exception:  # the queue table may be missing: not a DB failure
                counts = {}
                if postgres:
                    cursor.execute("ROLLBACK")
                    cursor.execute("BEGIN")
        if postgres:
            cursor.execute("COMMIT")
    return counts


def _probe(private: dict, timeout: float, holder: dict) -> None:
    wrapper = load_backend(private["ENGINE"]).DatabaseWrapper(private, "healthz")
    holder["wrapper"] = wrapper
    try:
        holder["jobs"] = query(wrapper, timeout)
    except Exception as exc:  # any failure means down
        holder["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        with contextlib.suppress(Exception):
            wrapper.close()
        _running.release()


def _abort(wrapper) -> None:
    """End a read blocked on a server that does not answer."""
    raw = getattr(wrapper, "connection", None)
    if raw is None or not hasattr(raw, "fileno"):
        return
    with contextlib.suppress(Exception):
        sock = socket.socket(fileno=os.dup(raw.fileno()))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()


def check(*, timeout: float | None = None, settings_dict: dict | None = None) -> Health:
    timeout = timeout_seconds() if timeout is None else timeout
    if settings_dict is None:
        settings_dict = connections["default"].settings_dict
    if not _running.acquire(blocking=False):
        return Health(up=False, database="unavailable", error="a check still waits")
    holder: dict = {}
    thread = threading.Thread(
        target=_probe,
        args=(_private_settings(settings_dict, timeout), timeout, holder),
        name="healthz",
        daemon=True,
    )
    try:
        thread.start()
    except Exception:
        _running.release()
        raise
    thread.join(timeout)
    if thread.is_alive():
        _abort(holder.get("wrapper"))
        return Health(up=False, database="unavailable", error="timed out")
    if "error" in holder:
        return Health(up=False, database="unavailable", error=holder["error"])
    return Health(up=True, jobs=holder.get("jobs", {}))
