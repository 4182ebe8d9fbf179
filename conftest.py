"""Role fixtures shared by all apps: one user per role in the Hanoi team,
an external user of another province's team, and an outsider with no
membership who must see nothing internal."""

import datetime
import os

import pytest

from dieuphoi.org.models import Body, Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    BodyFactory,
    MembershipFactory,
    UserFactory,
)

PASSWORD = "mat-khau-thu-nghiem-1"
START = datetime.date(2022, 12, 1)


@pytest.fixture(autouse=True)
def _working_day_calendar():
    """Each test starts from an empty working-day table, cached without
    queries; a table cached by an earlier test must not leak into it."""
    from dieuphoi.workdays import calendar

    calendar.reset_for_tests()
    yield
    calendar.reset_for_tests()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Vietnamese). The language
    middleware activates the request's language in the thread that serves it,
    which for the test client is the test's own thread: a request with the
    English cookie would otherwise leave English active for the tests that
    follow on the same worker, and a browser journey would compute its
    expected labels in English (CI, December 2026)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _job_workers_inside_tests(monkeypatch):
    """Let tests drain the queue with ``db_worker --batch`` (or
    ``jobs_worker``, ``schedule_daily --loop``) in-process: workers close
    "old" connections between jobs, which inside a test's transaction would
    close the test's own connection on PostgreSQL; and db_worker installs
    SIGINT/SIGTERM handlers it never puts back."""
    import signal

    from django_tasks_db.management.commands import db_worker

    from dieuphoi.jobs.management.commands import jobs_worker
    from dieuphoi.workdays.management.commands import schedule_daily

    for module in (db_worker, jobs_worker, schedule_daily):
        monkeypatch.setattr(module, "close_old_connections", lambda: None)
    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    saved = {signum: signal.getsignal(signum) for signum in signums}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture
def thread_db(transactional_db, tmp_path):
    """Concurrency tests with threads on both databases. Once the data is
    set up, ``bind = thread_db()``; then call ``bind()`` first thing in each
    thread (and read the results in a thread that called it too).

    PostgreSQL: each thread has its own connection to the test database
    already. SQLite: the test database lives in memory in shared-cache mode,
    where a second writer gets "database table is locked" at once instead of
    waiting; so ``thread_db()`` copies the committed data to a file and each
    thread connects to that file with the production options (WAL,
    IMMEDIATE transactions, busy timeout), as the real server does.
    """
    from django.db import connection, connections

    def prepare():
        if connection.vendor != "sqlite":
            return lambda: None
        import sqlite3

        path = str(tmp_path / "threads.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()

        def bind() -> None:
            conn = connections["default"]
            conn.close()
            conn.settings_dict = {**conn.settings_dict, "NAME": path}

        return bind

    yield prepare
    if connection.vendor == "sqlite":
        # The flush after a transactional test DELETEs every row, which the
        # audit trail's append-only trigger refuses: clear it without them.
        from importlib import import_module

        triggers = import_module("dieuphoi.audit.migrations.0002_append_only_triggers")

        with connection.cursor() as cursor:
            for sql in triggers.SQLITE_BACKWARD:
                cursor.execute(sql)
            cursor.execute("DELETE FROM audit_auditevent")
            for sql in triggers.SQLITE_FORWARD:
                cursor.execute(sql)


@pytest.fixture
def hanoi_team(db):
    return BodyFactory(
        key="to-dieu-phoi-ha-noi",
        name="Tổ điều phối Vùng Thủ đô của TP. Hà Nội",
        short_name="TĐP Hà Nội",
        symbol="TĐP",
    )


@pytest.fixture
def other_team(db):
    return BodyFactory(
        key="to-dieu-phoi-bac-ninh",
        name="Tổ điều phối vùng tỉnh Bắc Ninh",
        short_name="TĐP Bắc Ninh",
    )


@pytest.fixture
def standing_agency(hanoi_team):
    agency = AgencyFactory(code="STC", name="Sở Tài chính", short_name="Sở Tài chính")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="standing")
    return agency


@pytest.fixture
def member_agency(hanoi_team):
    agency = AgencyFactory(code="SXD", name="Sở Xây dựng", short_name="Sở Xây dựng")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    return agency


def _member(body, role, agency, username):
    user = UserFactory(username=username, agency=agency)
    MembershipFactory(
        person=user, body=body, role=role, agency=agency, valid_from=START
    )
    return user


@pytest.fixture
def leader(hanoi_team, standing_agency):
    return _member(hanoi_team, Membership.Role.LEADER, standing_agency, "leader")


@pytest.fixture
def deputy(hanoi_team, standing_agency):
    return _member(hanoi_team, Membership.Role.DEPUTY, standing_agency, "deputy")


@pytest.fixture
def secretariat(hanoi_team, standing_agency):
    return _member(
        hanoi_team, Membership.Role.SECRETARIAT, standing_agency, "secretariat"
    )


@pytest.fixture
def member(hanoi_team, member_agency):
    return _member(hanoi_team, Membership.Role.MEMBER, member_agency, "member")


@pytest.fixture
def external(other_team):
    agency = AgencyFactory(code="SKHDT-BN", name="Sở Tài chính tỉnh Bắc Ninh")
    return _member(other_team, Membership.Role.MEMBER, agency, "external")


@pytest.fixture
def leadership_viewer(db):
    return UserFactory(username="leadership", is_leadership_viewer=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    if os.environ.get("BROWSER_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="browser tests off (set BROWSER_TESTS=1)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


__all__ = ["PASSWORD", "Body"]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """The test's transaction never commits: run the commit hooks of the
    writes made inside (where the stamps move), after those of the set-up's
    writes (as if it had committed before)."""
    from django.db import connection

    def _commit():
        for _sids, hook, _robust in list(connection.run_on_commit):
            if getattr(hook, "stamp_names", None) and not hook.done:
                hook()
        return django_capture_on_commit_callbacks(execute=True)

    return _commit
