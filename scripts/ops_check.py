#!/usr/bin/env python3
"""Concurrency check through the real HTTP server (issue 12, item 13).

For each database configuration (SQLite named by DATABASE_URL, SQLite named by
SQLITE_PATH, PostgreSQL), on a fresh database: migrate, seed one task and one
API token, start gunicorn on loopback, then run 8 writers (each POSTs comments
on the task through the API: an audited write that also queues notification
e-mails) and 4 readers (GET the comments and the task list) for a bounded
time. Asserts: no "database is locked" (in any response or in the server's
log), no 5xx, no request that failed to connect, and every comment the server
accepted (201) is in the database afterwards.

    .venv/bin/python scripts/ops_check.py                    # 10 s per config
    .venv/bin/python scripts/ops_check.py --seconds 30
    .venv/bin/python scripts/ops_check.py --only sqlite-url sqlite-path
    .venv/bin/python scripts/ops_check.py --pg-url postgres://postgres@127.0.0.1:5432/postgres

``--faults`` adds three fault checks:

- database-stopped (PostgreSQL): gunicorn reaches the database through a
  loopback proxy that cuts every connection and refuses new ones for 10 s
  (the server itself, shared, is never stopped): ``/healthz`` must answer
  503 within 5 s throughout and a write 503 (not 500); once the database is
  back the same processes serve again and writes are stored;
- reminders-killed (SQLite): the daily reminders job over 600 overdue tasks
  in batches of 5, its worker SIGKILLed after some batches were committed and
  started again: every task urged exactly once, with one notice;
- worker-killed (SQLite by DATABASE_URL): 40 e-mails queued, a
  ``jobs_worker`` sending them to an SMTP sink on loopback is killed with
  SIGKILL mid-batch and started again; every e-mail must arrive, each
  Message-ID kept from the first attempt (a copy that was in flight when the
  worker died arrives twice with the same Message-ID, which a relay drops).

PostgreSQL: a scratch database ``<name>_ops_<pid>`` is created beside the one
``--pg-url`` (or DATABASE_URL when it names PostgreSQL) points to and dropped
afterwards; skipped with a message when no server answers. Exit status 0 when
every configuration passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRITERS, READERS = 8, 4
LOCKED = "database is locked"

SEED = """
import datetime, json
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory, BodyAgencyFactory, BodyFactory, MembershipFactory, UserFactory)
from dieuphoi.tasks.tests.factories import TaskFactory

today = local_today()
team = BodyFactory(key="to-dieu-phoi-ha-noi", name="Tổ điều phối Vùng Thủ đô",
                   short_name="TĐP Hà Nội", symbol="TĐP")
standing = AgencyFactory(code="STC", name="Sở Tài chính", short_name="STC")
BodyAgencyFactory(body=team, agency=standing, role="standing")
agency = AgencyFactory(code="SXD", name="Sở Xây dựng", short_name="SXD")
BodyAgencyFactory(body=team, agency=agency, role="member")
user = UserFactory(username="ops-writer", agency=agency)
MembershipFactory(person=user, body=team, role=Membership.Role.MEMBER, agency=agency,
                  valid_from=datetime.date(2022, 12, 1))
task = TaskFactory(body=team, lead_agency=agency,
                   assigned_on=today - datetime.timedelta(days=10),
                   deadline=today + datetime.timedelta(days=30),
                   title="Kiểm tra tải đồng thời")
raw = ApiToken.generate_raw()
ApiToken.objects.create(user=user, name="ops-check", prefix=raw[:8],
                        key_hash=hash_token(raw))
print("SEED " + json.dumps({"token": raw, "task": task.pk}))
"""

STORED = """
import json
from dieuphoi.discussions.models import Comment
print("STORED " + json.dumps(list(Comment.objects.values_list("pk", flat=True))))
"""


FAULT_SEED = """
import datetime
from dieuphoi.core.models import local_today
from dieuphoi.notifications import services
from dieuphoi.notifications.models import NotificationPreference, OutgoingEmail
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory, BodyAgencyFactory, BodyFactory, MembershipFactory, UserFactory)
from dieuphoi.tasks.tests.factories import TaskFactory

today = local_today()
team = BodyFactory(key="to-dieu-phoi-ha-noi", name="Tổ điều phối", short_name="TĐP")
agency = AgencyFactory(code="SXD", name="Sở Xây dựng", short_name="SXD")
BodyAgencyFactory(body=team, agency=agency, role="member")
task = TaskFactory(body=team, lead_agency=agency,
                   assigned_on=today - datetime.timedelta(days=10),
                   deadline=today + datetime.timedelta(days=30))
users = []
for i in range(%(count)d):
    user = UserFactory(username=f"ops-mail-{i}", email=f"ops-mail-{i}@example.vn",
                       agency=agency)
    MembershipFactory(person=user, body=team, role=Membership.Role.MEMBER,
                      agency=agency, valid_from=datetime.date(2022, 12, 1))
    NotificationPreference.objects.create(user=user, email_mode="immediate")
    users.append(user)
services.notify(recipients=users, target=task, kind="test", title="Kiểm tra thư",
                url=f"/tasks/{task.pk}/", key="ops-check:mail")
print("QUEUED", OutgoingEmail.objects.count())
"""

MAIL_STATE = """
import json
from dieuphoi.notifications.models import OutgoingEmail
rows = list(OutgoingEmail.objects.values_list("status", "message_id"))
print("MAIL " + json.dumps(rows))
"""


REMINDER_SEED = """
import datetime
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory, BodyAgencyFactory, BodyFactory, MembershipFactory, UserFactory)
from dieuphoi.reminders import jobs
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory
from dieuphoi.workdays import calendar

today = local_today()
day = today if calendar.is_working_day(today) else calendar.previous_working_day(today)
team = BodyFactory(key="to-dieu-phoi-ha-noi", name="Tổ điều phối", short_name="TĐP")
agency = AgencyFactory(code="SXD", name="Sở Xây dựng", short_name="SXD")
BodyAgencyFactory(body=team, agency=agency, role="member")
user = UserFactory(username="ops-focal", agency=agency)
MembershipFactory(person=user, body=team, role=Membership.Role.MEMBER, agency=agency,
                  valid_from=datetime.date(2022, 12, 1))
for i in range(%(count)d):
    TaskFactory(body=team, lead_agency=agency, title=f"Nhiệm vụ quá hạn {i}",
                assigned_on=day - datetime.timedelta(days=90),
                deadline=day - datetime.timedelta(days=30))
jobs.reminders_daily.enqueue(day=day.isoformat())
print("QUEUED", Task.objects.count(), day)
"""

REMINDER_STATE = """
import json
from django.db.models import Count
from dieuphoi.notifications.models import Notification
from dieuphoi.reminders.models import Reminder
from dieuphoi.tasks.models import Task
print("STATE " + json.dumps({
    "urgings": Reminder.objects.filter(kind="urging").count(),
    "tasks_urged_twice": Reminder.objects.filter(kind="urging").values("task")
        .annotate(n=Count("pk")).filter(n__gt=1).count(),
    "counts": sorted(set(Task.objects.values_list("urge_count", flat=True))),
    "notices": Notification.objects.filter(kind="urging").count(),
}))
"""


class SmtpSink:
    """A minimal SMTP server on loopback that records each message's
    Message-ID and answers slowly (``delay`` seconds per message)."""

    def __init__(self, delay: float):
        import socketserver

        sink = self
        self.delay = delay
        self.received: list[str] = []
        self.lock = threading.Lock()

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        message_id = ""
                        while True:
                            data = self.rfile.readline()
                            if not data or data in (b".\r\n", b".\n"):
                                break
                            if data.lower().startswith(b"message-id:"):
                                message_id = data.split(b":", 1)[1].strip().decode()
                        time.sleep(sink.delay)
                        with sink.lock:
                            sink.received.append(message_id)
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [PY, "manage.py", "jobs_worker", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, sig)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def run_worker_kill(tmp: str, count: int = 40) -> Outcome:
    """SIGKILL the worker mid-batch, start it again: every e-mail arrives,
    with the Message-ID of its first attempt."""
    outcome = Outcome(name="worker-killed")
    with SmtpSink(delay=0.15) as sink:
        env = base_env(
            {
                "DATABASE_URL": f"sqlite:///{tmp}/faults.sqlite3",
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(sink.port),
                "EMAIL_CLAIM_TIMEOUT_SECONDS": "5",
                "JOB_HEARTBEAT_TIMEOUT_SECONDS": "6",
            }
        )
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "shell", code=FAULT_SEED % {"count": count})
        log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below
            prefix="ops-worker-", suffix=".log", delete=False
        )
        worker = start_worker(env, log)
        try:
            deadline = time.monotonic() + 60
            while sink.count() < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            before = sink.count()
            stop(worker, signal.SIGKILL)
            print(
                f"== worker-killed: SIGKILL after {before} of {count} e-mails; "
                "restarting the worker",
                flush=True,
            )
            worker = start_worker(env, log)
            deadline = time.monotonic() + 90
            rows = []
            while time.monotonic() < deadline:
                rows = tagged(manage(env, "shell", code=MAIL_STATE), "MAIL")
                if rows and all(status == "sent" for status, _id in rows):
                    break
                time.sleep(1)
            time.sleep(1)  # anything still on its way
        finally:
            stop(worker)
            log.close()
    received = list(sink.received)
    ids = {message_id for _status, message_id in rows}
    not_sent = [status for status, _id in rows if status != "sent"]
    if not_sent:
        outcome.failures.append(f"{len(not_sent)} e-mails not sent: {not_sent[:5]}")
    missing = ids - set(received)
    if missing or "" in ids:
        outcome.failures.append(f"{len(missing)} e-mails never arrived")
    unknown = set(received) - ids
    if unknown:
        outcome.failures.append(f"{len(unknown)} arrived with a Message-ID not kept")
    duplicates = len(received) - len(set(received))
    # At most the message in flight when the worker died arrives twice.
    if duplicates > 1:
        outcome.failures.append(f"{duplicates} e-mails arrived twice")
    outcome.accepted = [1] * len(rows)
    outcome.reads = len(received)
    if outcome.failures:
        print(f"   worker log kept: {log.name}", flush=True)
    else:
        os.unlink(log.name)
    print(
        f"   {len(rows)} e-mails, {len(received)} deliveries, "
        f"{len(set(received))} distinct Message-IDs, {duplicates} duplicate(s)",
        flush=True,
    )
    return outcome


def run_reminders_kill(tmp: str, count: int = 600) -> Outcome:
    """The daily reminders job, SIGKILLed mid-run (after some batches were
    committed) and its worker started again: the re-queued job finishes,
    and every overdue task is urged exactly once, with one notice."""
    import sqlite3

    outcome = Outcome(name="reminders-killed")
    path = f"{tmp}/reminders.sqlite3"
    env = base_env(
        {
            "DATABASE_URL": f"sqlite:///{path}",
            "REMINDER_BATCH_SIZE": "5",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "JOB_HEARTBEAT_TIMEOUT_SECONDS": "6",
        }
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", code=REMINDER_SEED % {"count": count})

    def urged() -> int:
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
            return db.execute(
                "SELECT COUNT(*) FROM reminders_reminder WHERE kind = 'urging'"
            ).fetchone()[0]

    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below
        prefix="ops-reminders-", suffix=".log", delete=False
    )
    worker = start_worker(env, log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and urged() < count // 10:
            time.sleep(0.05)
        before = urged()
        stop(worker, signal.SIGKILL)
        print(
            f"== reminders-killed: SIGKILL after {before} of {count} urgings; "
            "restarting the worker",
            flush=True,
        )
        if not 0 < before < count:
            outcome.failures.append(f"the kill did not land mid-run ({before})")
        worker = start_worker(env, log)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and urged() < count:
            time.sleep(0.5)
        time.sleep(1)
    finally:
        stop(worker)
        log.close()
    state = tagged(manage(env, "shell", code=REMINDER_STATE), "STATE")
    if state["urgings"] != count:
        outcome.failures.append(f"{state['urgings']} urgings for {count} tasks")
    if state["tasks_urged_twice"]:
        outcome.failures.append(f"{state['tasks_urged_twice']} tasks urged twice")
    if state["counts"] != [1]:
        outcome.failures.append(f"urging counts {state['counts']}, not all 1")
    if state["notices"] != count:
        outcome.failures.append(f"{state['notices']} notices for {count} urgings")
    outcome.accepted = [1] * state["urgings"]
    outcome.reads = state["notices"]
    if outcome.failures:
        print(f"   worker log kept: {log.name}", flush=True)
    else:
        os.unlink(log.name)
    print(
        f"   {state['urgings']} urgings, {state['notices']} notices, "
        f"counts {state['counts']}",
        flush=True,
    )
    return outcome


@dataclass
class Outcome:
    name: str
    accepted: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    reads: int = 0
    writes: int = 0
    missing: list[int] = field(default_factory=list)
    skipped: str = ""

    def problems(self) -> list[str]:
        out = []
        if self.locked:
            out.append(f'{len(self.locked)} "database is locked": {self.locked[:2]}')
        if self.server_errors:
            out.append(f"{len(self.server_errors)} 5xx: {self.server_errors[:2]}")
        if self.failures:
            out.append(f"{len(self.failures)} failed requests: {self.failures[:2]}")
        if self.missing:
            out.append(
                f"{len(self.missing)} accepted writes missing: {self.missing[:5]}"
            )
        if not self.skipped and not self.accepted:
            out.append("no write was accepted")
        if not self.skipped and not self.reads:
            out.append("no read succeeded")
        return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLITE_PATH", "SQLITE_TEST_PATH")
    }
    env.update(
        DIEUPHOI_TESTING="1",  # test hashers and static files; not the database
        DEBUG="false",
        TASKS_BACKEND="database",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        JOBS_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, code: str | None = None, timeout=600) -> str:
    cmd = [PY, "manage.py", *args]
    if code is not None:
        cmd += ["-c", code]
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def tagged(output: str, tag: str):
    for line in output.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1 :])
    raise RuntimeError(f"no {tag} line in:\n{output[-2000:]}")


def wait_up(url: str, proc: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def load(url: str, token: str, task: int, seconds: float, outcome: Outcome) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    comments = f"{url}/api/v1/tasks/{task}/comments"
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def record(response, what: str) -> None:
        with lock:
            outcome.statuses[response.status_code] = (
                outcome.statuses.get(response.status_code, 0) + 1
            )
            if LOCKED in response.text:
                outcome.locked.append(f"{what} {response.status_code}")
            if response.status_code >= 500:
                outcome.server_errors.append(
                    f"{what} {response.status_code} {response.text[:200]}"
                )

    def writer(n: int) -> None:
        session = requests.Session()
        i = 0
        while time.monotonic() < stop:
            try:
                response = session.post(
                    comments,
                    json={"text": f"Ghi đồng thời {n}-{i}"},
                    headers=headers,
                    timeout=60,
                )
            except requests.RequestException as exc:
                with lock:
                    outcome.failures.append(f"POST: {exc}")
                continue
            finally:
                i += 1
            record(response, "POST")
            with lock:
                outcome.writes += 1
                if response.status_code == 201:
                    outcome.accepted.append(response.json()["id"])

    def reader(n: int) -> None:
        session = requests.Session()
        targets = [comments, f"{url}/api/v1/tasks"]
        i = 0
        while time.monotonic() < stop:
            target = targets[i % len(targets)]
            i += 1
            try:
                response = session.get(target, headers=headers, timeout=60)
            except requests.RequestException as exc:
                with lock:
                    outcome.failures.append(f"GET: {exc}")
                continue
            record(response, "GET")
            if response.status_code == 200:
                with lock:
                    outcome.reads += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)


def start_gunicorn(env: dict, workers: int, name: str):
    """gunicorn on a free loopback port: (process, log file, base URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by stop_gunicorn
        prefix=f"ops-{name}-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(  # noqa: S603 - our own gunicorn, loopback only
        [
            GUNICORN,
            "dieuphoi.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, log, url


def stop_gunicorn(proc: subprocess.Popen, log) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    log.close()


def run_config(name: str, db_env: dict, seconds: float, workers: int) -> Outcome:
    outcome = Outcome(name=name)
    env = base_env(db_env)
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v", "0")
    seed = tagged(manage(env, "shell", code=SEED), "SEED")
    proc, log, url = start_gunicorn(env, workers, name)
    try:
        wait_up(url, proc)
        print(
            f"== {name}: gunicorn up ({time.monotonic() - started:.0f} s); "
            f"{WRITERS} writers + {READERS} readers for {seconds:.0f} s",
            flush=True,
        )
        load(url, seed["token"], seed["task"], seconds, outcome)
    finally:
        stop_gunicorn(proc, log)
    server_log = Path(log.name).read_text(errors="replace")
    for line in server_log.splitlines():
        if LOCKED in line:
            outcome.locked.append(f"server log: {line[:200]}")
    stored = set(tagged(manage(env, "shell", code=STORED), "STORED"))
    outcome.missing = sorted(set(outcome.accepted) - stored)
    if not outcome.problems():
        os.unlink(log.name)
    else:
        print(f"   server log kept: {log.name}", flush=True)
    print(
        f"   {outcome.writes} writes ({len(outcome.accepted)} accepted), "
        f"{outcome.reads} reads, statuses {dict(sorted(outcome.statuses.items()))}",
        flush=True,
    )
    return outcome


def pg_admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "dieuphoi"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return admin, name


def pg_scratch(url: str):
    import psycopg

    admin, name = pg_admin_url(url)
    scratch = f"{name}_ops_{os.getpid()}"[:63]
    conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    conn.execute(f'CREATE DATABASE "{scratch}"')
    conn.close()
    parts = urlsplit(url)

    def drop() -> None:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.close()

    return urlunsplit(parts._replace(path="/" + scratch)), drop


class DbProxy:
    """A TCP proxy on loopback in front of PostgreSQL. ``stop()`` acts as the
    database going away: every open connection is cut and every new one is
    closed at once; ``start()`` lets connections through again. The server
    itself, shared with other work on this machine, is never stopped."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self.down.set()
        with self.lock:
            sockets, self.open = self.open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def start(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.closed = True
        self.stop()
        self.listener.close()


def run_db_stopped(pg_url: str, seconds: float = 10.0) -> Outcome:
    """PostgreSQL unreachable for ``seconds`` under a running gunicorn:
    /healthz answers 503 within 5 s throughout, a write answers 503 (not
    500), and once the database is back the same processes serve again (no
    restart) and writes are stored."""
    outcome = Outcome(name="database-stopped")
    scratch_url, drop = pg_scratch(pg_url)
    parts = urlsplit(scratch_url)
    proxy = DbProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = parts.netloc.rsplit("@", 1)
    auth = netloc[0] + "@" if len(netloc) == 2 else ""
    proxied = urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}"))
    env = base_env({"DATABASE_URL": proxied, "HEALTHZ_TIMEOUT_SECONDS": "3"})
    proc = log = None
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        seed = tagged(manage(env, "shell", code=SEED), "SEED")
        proc, log, url = start_gunicorn(env, 2, "db-stopped")
        wait_up(url, proc)
        headers = {"Authorization": f"Bearer {seed['token']}"}
        comments = f"{url}/api/v1/tasks/{seed['task']}/comments"
        session = requests.Session()

        def write(text: str) -> requests.Response:
            return session.post(
                comments, json={"text": text}, headers=headers, timeout=30
            )

        for i in range(4):  # persistent connections in every worker
            write(f"trước sự cố {i}")
        proxy.stop()
        print(
            f"== database-stopped: database unreachable for {seconds:.0f} s", flush=True
        )
        until = time.monotonic() + seconds
        probes = []
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                health = requests.get(url + "/healthz", timeout=10)
                probes.append((health.status_code, time.monotonic() - started))
            except requests.RequestException as exc:
                outcome.failures.append(f"/healthz while down: {exc}")
            try:
                response = write("trong sự cố")
                outcome.statuses[response.status_code] = (
                    outcome.statuses.get(response.status_code, 0) + 1
                )
                if response.status_code != 503:
                    outcome.failures.append(
                        f"write while down: {response.status_code} {response.text[:120]}"
                    )
            except requests.RequestException as exc:
                outcome.failures.append(f"write while down: {exc}")
            time.sleep(0.5)
        bad = [
            (code, round(took, 1)) for code, took in probes if code != 503 or took > 5
        ]
        if not probes or bad:
            outcome.failures.append(f"/healthz while down (status, s): {bad or 'none'}")
        proxy.start()
        back = None
        limit = time.monotonic() + 30
        while time.monotonic() < limit:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + "/healthz", timeout=10).status_code == 200:
                    back = time.monotonic() - until
                    break
            time.sleep(0.5)
        if back is None:
            outcome.failures.append(
                "/healthz not 200 within 30 s of the database's return"
            )
        for i in range(8):  # every worker and thread gets a fresh connection
            response = write(f"sau sự cố {i}")
            if response.status_code == 201:
                outcome.accepted.append(response.json()["id"])
            else:
                outcome.server_errors.append(f"write after: {response.status_code}")
            reading = session.get(comments, headers=headers, timeout=30)
            if reading.status_code == 200:
                outcome.reads += 1
            else:
                outcome.server_errors.append(f"read after: {reading.status_code}")
        if proc.poll() is not None:
            outcome.failures.append("gunicorn exited: it had to be restarted")
        stored = set(tagged(manage(env, "shell", code=STORED), "STORED"))
        outcome.missing = sorted(set(outcome.accepted) - stored)
        print(
            f"   /healthz while down: {len(probes)} probes, slowest "
            f"{max((t for _c, t in probes), default=0):.1f} s; back "
            f"{back if back is None else round(back, 1)} s after the database",
            flush=True,
        )
    finally:
        if proc is not None:
            stop_gunicorn(proc, log)
            if outcome.problems():
                print(f"   server log kept: {log.name}", flush=True)
            else:
                os.unlink(log.name)
        proxy.close()
        drop()
    return outcome


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("OPS_CHECK_SECONDS", "10")),
    )
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["sqlite-url", "sqlite-path", "postgres"],
        default=["sqlite-url", "sqlite-path", "postgres"],
    )
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--faults", action="store_true", help="also kill the job worker mid-batch"
    )
    args = parser.parse_args(argv)
    seconds = max(1.0, min(args.seconds, 600.0))

    pg_url = args.pg_url or os.environ.get("DATABASE_URL", "")
    if not pg_url.startswith("postgres"):
        pg_url = "postgres://postgres@127.0.0.1:5432/dieuphoi"
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="ops-check-") as tmp:
        for name in args.only:
            drop = None
            if name == "sqlite-url":
                db_env = {"DATABASE_URL": f"sqlite:///{tmp}/url.sqlite3"}
            elif name == "sqlite-path":
                db_env = {"SQLITE_PATH": f"{tmp}/path.sqlite3"}
            else:
                try:
                    scratch_url, drop = pg_scratch(pg_url)
                except Exception as exc:
                    outcome = Outcome(name=name, skipped=f"no PostgreSQL: {exc}")
                    print(f"== {name}: skipped ({outcome.skipped})", flush=True)
                    outcomes.append(outcome)
                    continue
                db_env = {"DATABASE_URL": scratch_url}
            try:
                outcomes.append(run_config(name, db_env, seconds, args.workers))
            except Exception as exc:
                outcome = Outcome(name=name)
                outcome.failures.append(f"{type(exc).__name__}: {exc}")
                outcomes.append(outcome)
            finally:
                if drop is not None:
                    drop()
        if args.faults and "postgres" in args.only:
            try:
                outcomes.append(run_db_stopped(pg_url))
            except Exception as exc:
                outcome = Outcome(name="database-stopped")
                outcome.failures.append(f"{type(exc).__name__}: {exc}")
                outcomes.append(outcome)
        if args.faults:
            try:
                outcomes.append(run_reminders_kill(tmp))
            except Exception as exc:
                outcome = Outcome(name="reminders-killed")
                outcome.failures.append(f"{type(exc).__name__}: {exc}")
                outcomes.append(outcome)
            try:
                outcomes.append(run_worker_kill(tmp))
            except Exception as exc:
                outcome = Outcome(name="worker-killed")
                outcome.failures.append(f"{type(exc).__name__}: {exc}")
                outcomes.append(outcome)
    failed = False
    for outcome in outcomes:
        problems = outcome.problems()
        if outcome.skipped:
            print(f"SKIP {outcome.name}: {outcome.skipped}")
        elif problems:
            failed = True
            print(f"FAIL {outcome.name}: " + "; ".join(problems))
        else:
            print(f"OK   {outcome.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
