"""A database that cannot be reached answers 503 with Retry-After, for a page
and for the API; any other failure stays a 500; neither shows a traceback."""

import pytest
from django import db
from django.test import Client

from dieuphoi.accounts.models import ApiToken, hash_token


def _raise(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.fixture
def anonymous_errors():
    return Client(raise_request_exception=False)


def test_page_while_the_database_is_down_is_503(anonymous_errors, member, monkeypatch):
    monkeypatch.setattr(
        "dieuphoi.core.views.render_home_sections",
        _raise(db.OperationalError("could not connect to server: Connection refused")),
    )
    anonymous_errors.force_login(member)
    response = anonymous_errors.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Hệ thống tạm thời không hoạt động" in page
    assert "Traceback" not in page and "Connection refused" not in page


def test_other_failures_stay_500(anonymous_errors, member, monkeypatch):
    monkeypatch.setattr(
        "dieuphoi.core.views.render_home_sections", _raise(ValueError("bug"))
    )
    anonymous_errors.force_login(member)
    response = anonymous_errors.get("/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_sqlite_lock_timeout_is_not_an_outage(anonymous_errors, member, monkeypatch):
    monkeypatch.setattr(
        "dieuphoi.core.views.render_home_sections",
        _raise(db.OperationalError("database is locked")),
    )
    anonymous_errors.force_login(member)
    assert anonymous_errors.get("/").status_code == 500


def test_api_while_the_database_is_down_is_503_json(
    anonymous_errors, member, monkeypatch
):
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(
        user=member, name="t", prefix=raw[:8], key_hash=hash_token(raw)
    )
    monkeypatch.setattr(
        "dieuphoi.accounts.selectors.user_membership_list",
        _raise(db.InterfaceError("connection already closed")),
    )
    response = anonymous_errors.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "Cơ sở dữ liệu tạm thời không truy cập được; vui lòng thử lại sau một phút."
    }


def test_outsider_sees_the_same_503_without_details(
    anonymous_errors, outsider, monkeypatch
):
    monkeypatch.setattr(
        "dieuphoi.core.views.render_home_sections",
        _raise(db.OperationalError("FATAL: password authentication failed for user x")),
    )
    anonymous_errors.force_login(outsider)
    response = anonymous_errors.get("/")
    assert response.status_code == 503
    assert "password" not in response.content.decode()


def test_an_api_path_no_route_matches_is_a_json_404(client, member):
    client.force_login(member)
    response = client.patch(
        "/api/v1/key-projects/T%0Ax", "{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    page = client.get("/no-such-page%0A/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]


def test_a_refused_host_header_is_a_json_400_under_the_api(client, member):
    """Django refuses the Host header before any route runs; an API client
    still reads the API's error body (the fuzzing sends such headers)."""
    client.force_login(member)
    response = client.post(
        "/api/v1/tasks/1/extension-requests/1/decision",
        "{}",
        content_type="application/json",
        HTTP_HOST="6vuRh|TI)=DpT",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "bad_request",
        "message": "Bad request.",
        "errors": [],
    }
    page = client.get("/", HTTP_HOST="6vuRh|TI)=DpT")
    assert page.status_code == 400 and "text/html" in page["Content-Type"]
