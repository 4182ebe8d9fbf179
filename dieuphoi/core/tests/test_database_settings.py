"""Every way of naming a SQLite database gets the same safe options (WAL,
IMMEDIATE transactions, a busy timeout), and holds 8 writers and 4 readers
without "database is locked" (issue 12, defect 1)."""

import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

ROOT = Path(settings.BASE_DIR)

PRINT_DATABASE = (
    "import json, django.conf, dieuphoi.settings as s; "
    "print(json.dumps(s.DATABASES['default'], default=str))"
)


def database_settings(**env) -> dict:
    """DATABASES['default'] as the settings module builds it from ``env``."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SQLITE_PATH")
    }
    environ.update(DIEUPHOI_TESTING="1", **env)
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", PRINT_DATABASE],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def assert_safe_sqlite(database: dict) -> None:
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    pragmas = options["init_command"].replace(" ", "").lower()
    assert "journal_mode=wal" in pragmas
    assert "busy_timeout=" in pragmas
    assert "foreign_keys=on" in pragmas


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "sqlite:////tmp/dieuphoi-url.sqlite3"},
        {"SQLITE_PATH": "/tmp/dieuphoi-path.sqlite3"},  # noqa: S108 - only parsed
        {},
    ],
    ids=["database-url", "sqlite-path", "default"],
)
def test_every_way_of_naming_sqlite_gets_the_safe_options(env):
    database = database_settings(**env)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert_safe_sqlite(database)


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "sqlite:////tmp/dieuphoi-url.sqlite3"},
        {},
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"},
    ],
    ids=["sqlite-url", "sqlite-default", "postgresql"],
)
def test_every_database_keeps_its_connection_between_requests(env):
    """Opening a SQLite connection runs the pragmas (about 4 ms of every
    signed-in request): the embedded default keeps it, as the URL forms do."""
    database = database_settings(**env)
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database_settings(DB_CONN_MAX_AGE="0", **env)["CONN_MAX_AGE"] == 0


def test_options_in_the_url_are_kept_and_the_pragmas_still_run():
    database = database_settings(
        DATABASE_URL="sqlite:////tmp/dieuphoi-url.sqlite3?timeout=30"
    )
    assert database["OPTIONS"]["timeout"] == 30
    assert_safe_sqlite(database)


def test_postgresql_gets_a_connect_timeout():
    database = database_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert database["OPTIONS"]["connect_timeout"] == 5


WRITERS, READERS, SECONDS = 8, 4, 3.0


@pytest.mark.django_db(transaction=True)
def test_sqlite_named_by_url_holds_8_writers_and_4_readers(tmp_path):
    """Threads on a file database configured through the URL form: each
    writer reads then writes in one transaction (the pattern that upgrades a
    read lock and fails at once without IMMEDIATE), readers count meanwhile."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    import sqlite3

    from dieuphoi.workdays.models import DailyRun

    path = tmp_path / "url.sqlite3"
    url_database = database_settings(DATABASE_URL=f"sqlite:///{path}")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()

    def bind() -> None:
        conn = connections["default"]
        conn.close()
        conn.settings_dict = {
            **conn.settings_dict,
            "NAME": str(path),
            "OPTIONS": url_database.get("OPTIONS", {}),
        }

    errors: list[str] = []
    written: list[str] = []
    reads = [0]
    stop = time.monotonic() + SECONDS
    day = datetime.date(2025, 1, 2)

    def writer(n: int) -> None:
        bind()
        i = 0
        try:
            while time.monotonic() < stop:
                name = f"w{n}-{i}"
                try:
                    with transaction.atomic():
                        DailyRun.objects.filter(day=day).count()
                        DailyRun.objects.create(name=name, day=day)
                    written.append(name)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                i += 1
        finally:
            connections["default"].close()

    def reader() -> None:
        bind()
        try:
            while time.monotonic() < stop:
                try:
                    list(DailyRun.objects.filter(day=day).values_list("name")[:50])
                    reads[0] += 1
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)

    locked = [e for e in errors if "locked" in e]
    assert not locked, f"{len(locked)} 'database is locked' of {len(errors)}"
    assert not errors, errors[:3]
    assert written and reads[0] > 0
    check = sqlite3.connect(path)
    stored = {row[0] for row in check.execute("SELECT name FROM workdays_dailyrun")}
    mode = check.execute("PRAGMA journal_mode").fetchone()[0]
    check.close()
    assert set(written) <= stored
    assert mode == "wal"
