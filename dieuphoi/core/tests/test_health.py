"""``/healthz`` answers within a bounded time whatever the database does, and
tells anonymous callers only up or down (issue 12, defect 5)."""

import contextlib
import socket
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from dieuphoi.core import health


def test_anonymous_callers_get_only_up_or_down(client, db):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_administrators_also_see_the_job_counts(client, admin_user):
    client.force_login(admin_user)
    body = client.get(reverse("core:healthz")).json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["jobs_queued"] == 0
    assert body["jobs_failed"] == 0


def test_a_non_staff_user_gets_only_up_or_down(login, member):
    assert login(member).get(reverse("core:healthz")).json() == {"status": "ok"}


@pytest.fixture
def released():
    """An event a stuck probe waits on; set when the test ends."""
    event = threading.Event()
    yield event
    event.set()
    deadline = time.monotonic() + 10
    while health._running.locked() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_database_that_never_answers_gives_503_within_5_seconds(
    client, db, monkeypatch, settings, released
):
    settings.HEALTHZ_TIMEOUT_SECONDS = 1

    def stuck(wrapper, timeout):
        released.wait(60)
        return {}

    monkeypatch.setattr(health, "query", stuck)
    started = time.monotonic()
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert time.monotonic() - started < 5
    # While that probe is still stuck, the next check does not wait again.
    started = time.monotonic()
    assert client.get(reverse("core:healthz")).status_code == 503
    assert time.monotonic() - started < 1


def test_a_failing_query_gives_503_to_administrators_with_the_reason(
    client, admin_user, monkeypatch
):
    def broken(wrapper, timeout):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(health, "query", broken)
    client.force_login(admin_user)
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unavailable",
        "jobs": "unknown",
    }


@contextlib.contextmanager
def black_hole():
    """A TCP server on loopback that accepts connections and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        server.close()


@pytest.mark.django_db
def test_a_postgresql_server_that_accepts_and_never_answers_is_down_quickly():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (connect_timeout)")
    with black_hole() as port:
        hung = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(port)}
        started = time.monotonic()
        result = health.check(timeout=3, settings_dict=hung)
        assert not result.up
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + 10
        while health._running.locked() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not health._running.locked()


def test_the_health_timeout_reaches_the_postgresql_connection():
    private = health._private_settings(
        {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {}}, 3
    )
    assert private["OPTIONS"]["connect_timeout"] == 3
    assert private["CONN_MAX_AGE"] == 0


def private_wrapper(timeout: float):
    from django.db.utils import load_backend

    private = health._private_settings(connection.settings_dict, timeout)
    return load_backend(private["ENGINE"]).DatabaseWrapper(private, "healthz-test")


@pytest.mark.django_db
def test_a_slow_postgresql_statement_is_cancelled_by_the_statement_timeout(
    monkeypatch,
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (statement_timeout)")
    from django.db import OperationalError

    monkeypatch.setattr(health, "PROBE_SQL", "SELECT pg_sleep(10)")
    wrapper = private_wrapper(1)
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="statement timeout"):
            health.query(wrapper, 0.5)
    finally:
        wrapper.close()
    assert time.monotonic() - started < 3


@pytest.mark.django_db
def test_a_connected_postgresql_server_that_stops_answering_is_cut_off(monkeypatch):
    """The server holds the statement (no statement timeout here): the check
    answers down in time and the probe's blocked read is ended, so the next
    check runs again instead of finding the previous one stuck."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")

    def hung(wrapper, timeout):
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(30)")
        return {}

    monkeypatch.setattr(health, "query", hung)
    started = time.monotonic()
    result = health.check(timeout=1)
    assert not result.up and result.error == "timed out"
    assert time.monotonic() - started < 2
    deadline = time.monotonic() + 5
    while health._running.locked() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not health._running.locked(), "the probe is still blocked"
    monkeypatch.undo()
    assert health.check(timeout=3).up
    # The server itself still sleeps on the abandoned statement: end it.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
            "WHERE query = 'SELECT pg_sleep(30)' AND pid <> pg_backend_pid()"
        )
