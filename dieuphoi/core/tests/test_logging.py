"""The console: one line for a 403/404, no static files in the access log."""

import logging

import pytest
from django.urls import reverse

from dieuphoi.core.logging import OneLineClientErrors, SkipStaticRequests


def record(name, status, msg="%s", args=("/x",), exc=True):
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        exc_info = sys.exc_info() if exc else None
    rec = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc_info)
    rec.status_code = status
    return rec


@pytest.mark.parametrize("status", [403, 404, 405])
def test_client_errors_lose_their_traceback(status):
    rec = record("django.request", status)
    assert OneLineClientErrors().filter(rec) is True
    assert rec.exc_info is None


def test_server_errors_keep_their_traceback():
    rec = record("django.request", 500)
    assert OneLineClientErrors().filter(rec) is True
    assert rec.exc_info is not None


@pytest.mark.parametrize(
    ("line", "status", "shown"),
    [
        ("GET /static/css/app.css HTTP/1.1", 200, False),
        ("GET /static/css/app.css HTTP/1.1", 304, False),
        ("GET /static/missing.css HTTP/1.1", 404, True),
        ("GET /tasks/ HTTP/1.1", 200, True),
    ],
)
def test_the_access_log_leaves_out_static_files(line, status, shown):
    rec = record("django.server", status, '"%s" %s %s', (line, str(status), "10"))
    assert SkipStaticRequests().filter(rec) is shown


def test_a_403_is_logged_as_one_line(login, outsider, caplog, db):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = login(outsider).get(reverse("reminders:escalations"))
    assert response.status_code == 403
    [rec] = [r for r in caplog.records if r.name == "django.request"]
    assert rec.exc_info is None
