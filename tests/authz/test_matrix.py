"""Checks the authorization matrix (``matrix.py``) against the code.

1. Every URL pattern (all namespaces) and every API operation (from the
   OpenAPI schema) has a row: a new route without one fails here.
2. For each role, every row is requested as that role in the demo world
   (``conftest.py``) and the status compared with the matrix, including IDOR
   (objects of another body answer 404 on every URL taking their id). A
   forbidden write must write nothing but the audit trail of the refusal;
   allowed writes are sent empty inside a savepoint that is rolled back.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .matrix import (
    ADMIN_EXPECT,
    ADMIN_PREFIX,
    BODIES,
    LOGIN,
    NOT_CHECKED,
    OK,
    REDIRECT,
    ROLES,
    ROWS,
    UNAUTH,
    Row,
)

WRITE_RE = re.compile(
    r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w]+)"?', re.IGNORECASE
)
# What a refused request may still write: the refusal's audit event, the
# session, the lockout bookkeeping, the token's "last used".
ALLOWED_WRITES = re.compile(
    r"^(audit_auditevent|django_session|axes_\w+|accounts_apitoken)$"
)


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield name, prefix + str(pattern.pattern)


def api_operations() -> set[str]:
    from dieuphoi.api.urls import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


# --- coverage --------------------------------------------------------------


def test_every_url_pattern_has_a_row():
    covered = {row.route for row in ROWS} | set(NOT_CHECKED)
    missing = []
    for name, route in walk(get_resolver().url_patterns):
        if route.startswith(ADMIN_PREFIX):
            continue  # the admin rule
        if name and name.startswith("api:"):
            continue  # API operations are checked against the OpenAPI schema
        if name is None or name not in covered:
            missing.append(f"{name or '(unnamed)'} {route}")
    assert not missing, "Routes without a row in tests/authz/matrix.py:\n" + "\n".join(
        missing
    )


def test_every_api_operation_has_a_row():
    covered = {row.route for row in ROWS}
    missing = sorted(api_operations() - covered)
    assert not missing, "API operations without a row in matrix.py:\n" + "\n".join(
        missing
    )


def test_no_row_names_a_route_that_does_not_exist():
    names = {name for name, _route in walk(get_resolver().url_patterns) if name}
    operations = api_operations()
    stale = [
        row.route
        for row in ROWS
        if row.route not in names and row.route not in operations
    ]
    assert not stale, f"Rows for routes that are gone: {stale}"


def test_every_row_gives_every_role():
    for row in ROWS:
        assert set(row.expect) == set(ROLES), row


# --- the cells -------------------------------------------------------------


def resolve_args(row: Row, world) -> dict:
    values = {}
    for key, ref in row.args.items():
        if ref.startswith("const."):
            values[key] = ref.removeprefix("const.")
        else:
            values[key] = world.ids[ref]
    return values


def url_for(row: Row, world) -> str:
    args = resolve_args(row, world)
    if row.route.startswith(("GET ", "POST ", "PATCH ", "DELETE ", "PUT ")):
        path = row.route.split(" ", 1)[1]
        for key, value in args.items():
            path = path.replace("{" + key + "}", str(value))
        return path
    return reverse(row.route, kwargs=args)


def is_api(row: Row) -> bool:
    return " /api/" in row.route


def send(client, row: Row, url: str, token: str | None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    method = row.method.lower()
    data = row.data if row.data is not None else BODIES.get(row.route, {})
    if is_api(row):
        if method == "get":
            return client.get(url, data, **extra)
        return getattr(client, method)(
            url, data=json.dumps(data), content_type="application/json", **extra
        )
    if method == "get":
        return client.get(url, data)
    return client.post(url, data)


def judge(row: Row, expected, response, writes) -> str | None:
    """``None`` when the cell holds, else what happened."""
    status = response.status_code
    if status >= 500:
        return f"{status} (server error)"
    writing = row.method != "GET"
    if expected == REDIRECT:
        location = response.get("Location", "")
        if status != 302 or "/login" in location:
            return f"{status} {location}".strip()
        return None
    if expected == OK:
        if row.method == "GET":
            return None if status == 200 else str(status)
        if status in (401, 403, 404, 405):
            return str(status)
        if status == 302 and "/login" in response.get("Location", ""):
            return "302 to the login page"
        return None
    if status != expected:
        return str(status)
    if expected == LOGIN and "/login" not in response.get("Location", ""):
        return f"302 to {response.get('Location')}"
    if writing and writes and not row.writes_allowed:
        return f"{status} but wrote {sorted(writes)}"
    return None


def check_row(
    client, row: Row, role: str, world, token: str | None, *, probe: bool = False
) -> str | None:
    """One cell. With ``probe``, a GET row is sent as an empty POST: a role
    the row refuses must be refused a write too (the same status, or 405
    where the route takes no POST) and nothing may be written."""
    expected = row.expect[role]
    url = url_for(row, world)
    if probe:
        row = dataclasses.replace(row, method="POST", data={})
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            try:
                response = send(client, row, url, token)
            except Exception as exc:  # a view that raised: a 500 for the user
                transaction.set_rollback(True)
                return f"raised {type(exc).__name__}: {exc}"[:200]
        writes = set()
        for query in queries.captured_queries:
            match = WRITE_RE.match(query["sql"])
            if match and not ALLOWED_WRITES.match(match.group(2)):
                writes.add(match.group(2))
        transaction.set_rollback(True)
    if probe and response.status_code == 405 and not writes:
        return None
    outcome = judge(row, expected, response, writes)
    if outcome is None:
        return None
    label = row.note or ",".join(f"{k}={v}" for k, v in row.args.items())
    return f"{row.method} {row.route} [{label}]: expected {expected}, got {outcome}"


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix_holds_for(role, world, client):
    from dieuphoi.accounts.services import api_token_create

    user = world.users[role]
    token = None
    if user is not None:
        client.force_login(user)
        token = api_token_create(user=user, name="authz-matrix")[1]
    failures = []
    # Web routes whose POST has rows of its own are not probed.
    explicit = {(row.route, row.method) for row in ROWS}
    for row in ROWS:
        if is_api(row) and row.route.startswith("DELETE /api/v1/auth/token"):
            # Revoking the caller's own token would end the rest of the run.
            continue
        if user is not None:
            # A row may have ended the session (logout): start each anew.
            client.force_login(user)
        failure = check_row(client, row, role, world, token)
        if failure:
            failures.append(failure)
        if (
            row.method == "GET"
            and not is_api(row)
            and (row.route, "POST") not in explicit
            and row.expect[role] not in (OK, REDIRECT, 204)
        ):
            if user is not None:
                client.force_login(user)
            failure = check_row(client, row, role, world, token, probe=True)
            if failure:
                failures.append("(POST probe) " + failure)
    # The admin: the index and every model's list page.
    for url in admin_urls():
        response = client.get(url)
        expected = ADMIN_EXPECT[role]
        status = response.status_code
        if (expected == OK and status != 200) or (expected != OK and status != 302):
            failures.append(f"GET {url}: expected {expected}, got {status}")
    assert not failures, f"{len(failures)} cells differ for {role}:\n" + "\n".join(
        failures
    )


def admin_urls() -> list[str]:
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


def test_the_api_answers_401_without_a_token(world, client):
    for row in ROWS:
        if is_api(row) and row.expect["anonymous"] == UNAUTH:
            assert send(client, row, url_for(row, world), None).status_code == 401
