"""Playwright (Python) driving Debian's Chromium, headless, against the
live test server. Playwright's own browser download cannot work here, so the
system binary is launched through ``executable_path``.

Fixtures:

- ``browser``: one headless Chromium for the session.
- ``seeded``: the demo data (``manage.py seed_demo``) in a flushed database,
  uploads in a temporary folder. Use it in every journey.
- ``new_page()``: a page in a fresh browser context (own cookies), so one
  test can act as two people; ``page`` is the first one.
- ``log_in(username, password="demo12345", on=page)``.
- ``shot(page, name)``: a full-page screenshot when ``BROWSER_SHOTS_DIR`` is set.
- Every page records its console errors and uncaught exceptions
  (``page.console_errors``, printed at the end); a journey fails if the
  browser reports a Content-Security-Policy violation on any of its pages.
"""

import io
import os
import shutil

import pytest
from django.core.management import call_command
from django.db import connection

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DEMO_PASSWORD = "demo12345"
# Screenshots are taken only when asked for: BROWSER_SHOTS_DIR=/tmp/shots.
SHOTS_DIR = os.environ.get("BROWSER_SHOTS_DIR", "")

# The audit table refuses DELETE (dieuphoi/audit/migrations/0002). The flush
# that ends a transactional test deletes every row on SQLite (PostgreSQL
# truncates, which the row trigger does not see), so the browser tests clear
# the events themselves with the trigger briefly lifted, then put it back.
_SQLITE_AUDIT_TRIGGER = (
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
)


def _clear_audit_events_sqlite() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        try:
            cursor.execute("DELETE FROM audit_auditevent")
        finally:
            cursor.execute(_SQLITE_AUDIT_TRIGGER)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect

    # The same patience for assertions as for actions (set_default_timeout
    # below): under a loaded CI machine a POST that notifies and audits can
    # take longer than expect()'s own 5 s. No check is loosened, only waited for.
    expect.set_options(timeout=15_000)
    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # calls from the same thread (fixtures) are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def seeded(transactional_db, settings, tmp_path):
    """The demo data, loaded for this test; uploads go to ``tmp_path``."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    call_command("seed_demo", stdout=io.StringIO())
    yield
    if connection.vendor == "sqlite":
        _clear_audit_events_sqlite()


def _is_csp_violation(text: str) -> bool:
    lowered = text.lower()
    return "content security policy" in lowered or "content-security-policy" in lowered


@pytest.fixture
def new_page(browser, live_server):
    """``new_page()``: a page in its own browser context (its own login)."""
    contexts = []
    pages = []

    def _new_page():
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda msg: (
                page.console_errors.append(msg.text) if msg.type == "error" else None
            ),
        )
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        # Which request a "status of 500" in the console was.
        page.on(
            "response",
            lambda r: (
                page.console_errors.append(
                    f"HTTP {r.status} {r.request.method} {r.url}"
                )
                if r.status >= 500
                else None
            ),
        )
        # Requests that got no answer at all (reset; or aborted by leaving the
        # page, which is no error): printed beside a failure, not asserted.
        page.failed_requests = []
        page.on(
            "requestfailed",
            lambda r: page.failed_requests.append(f"{r.failure}: {r.method} {r.url}"),
        )
        # Questions (data-confirm) are answered yes, as the user would.
        page.on("dialog", lambda dialog: dialog.accept())
        pages.append(page)
        return page

    yield _new_page
    for p in pages:
        for text in p.console_errors:
            print(f"browser console error: {text}")  # noqa: T201 (shown on failure)
        for text in p.failed_requests:
            print(f"browser request failed: {text}")  # noqa: T201 (shown on failure)
    violations = [t for p in pages for t in p.console_errors if _is_csp_violation(t)]
    for context in contexts:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def log_in(page):
    def _log_in(username: str, password: str = DEMO_PASSWORD, *, on=None):
        target = on or page
        target.goto("/accounts/login/")
        form = target.locator("form:has(input[name=password])")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        form.locator("button[type=submit]").click()
        target.wait_for_url(lambda url: "/accounts/login" not in url)
        return target

    return _log_in


@pytest.fixture
def shot():
    """``shot(page, name)``: a full-page PNG in ``SHOTS_DIR`` when it is set."""

    def _shot(page, name: str) -> str:
        if not SHOTS_DIR:
            return ""
        os.makedirs(SHOTS_DIR, exist_ok=True)
        path = os.path.join(SHOTS_DIR, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return _shot
