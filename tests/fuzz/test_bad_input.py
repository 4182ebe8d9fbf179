"""No input gives a server error (issue 12, defect 4).

Property-based (hypothesis): the shared parsers (``dieuphoi.core.params``,
the task list's ``parse_task_filters``) never raise anything but
``ValueError``, and the list pages, the exports and the API's list and
write endpoints answer < 500 to any query string or body built from the
values that broke them once: Unicode digits ("³", "٣"), ids past 64 bits,
NUL, lone surrogates (sent as the raw UTF-8 bytes a client can send),
``9999-12-31``, ``0``, and random text. ``FUZZ_PARAM_EXAMPLES`` (default
150) examples per target, no deadline; examples are derandomized, so a run
is repeatable.

Targets are seeded with the demo data (``seed_demo``) and run as the
administrator (who sees everything), the pages through the session, the API
through a bearer token.
"""

from __future__ import annotations

import datetime
import json
import os
import urllib.parse

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieuphoi.core import params
from dieuphoi.tasks import selectors as task_selectors

EXAMPLES = int(os.environ.get("FUZZ_PARAM_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=max(EXAMPLES, 1),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

NASTY = [
    "³",
    "٣",
    "¹²",
    "0",
    "-1",
    "1",
    "00",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 40,
    "9999-12-31",
    "31/12/9999",
    "0001-01-01",
    "01/01/0001",
    "1899-12-31",
    "2101-01-01",
    "1970-01-01",
    "29/02/2023",
    "2025-02-30",
    "2025-13-01",
    "00/00/0000",
    "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0661",
    "1e5",
    "0x10",
    "NaN",
    "inf",
    "true",
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "=1+1",
    "%",
    "' OR 1=1 --",
    "<script>",
    "../../etc/passwd",
]


def _dmy(day: datetime.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(datetime.date.isoformat),
    st.dates().map(_dmy),
)

# Parameter names the pages and the API read (a few unknown ones too).
TASK_FILTERS = [
    "bucket",
    "warning",
    "state",
    "lead_agency",
    "cooperating_agency",
    "sector",
    "province",
    "is_key",
    "extended",
    "deadline_from",
    "deadline_to",
    "assigned_from",
    "assigned_to",
    "source_document",
    "record_only",
    "q",
    "sort",
    "on",
]
COMMON = [
    "on",
    "q",
    "search",
    "page",
    "after",
    "before",
    "cursor",
    "limit",
    "state",
    "status",
    "kind",
    "body",
    "body_id",
    "agency",
    "unit",
    "year",
    "from",
    "to",
    "date_from",
    "date_to",
    "doc_type",
    "direction",
    "unread",
    "thread",
    "action",
    "actor",
    "target_type",
    "part",
    "partial",
    "zzz",
]


def _query(names):
    return st.lists(
        st.tuples(st.sampled_from(names), VALUES), min_size=1, max_size=6
    ).map(_encode)


def _encode(pairs) -> str:
    """A raw query string: values as UTF-8 bytes, lone surrogates included
    (``surrogatepass``), as a client can send them."""

    def q(text: str) -> str:
        return urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{q(k)}={q(v)}" for k, v in pairs)


# --- the parsers ---------------------------------------------------------------


@SETTINGS
@given(value=st.one_of(VALUES, st.integers(), st.none(), st.booleans()))
def test_parsers_raise_only_value_error(value):
    for parse in (params.parse_id, params.parse_date):
        try:
            result = parse(value)
        except ValueError:
            continue
        if parse is params.parse_id:
            assert 0 < result <= params.MAX_ID
            assert isinstance(result, int)
        else:
            assert params.MIN_DATE <= result <= params.MAX_DATE
    assert params.parse_id_or_none(value) is None or isinstance(
        params.parse_id_or_none(value), int
    )
    if isinstance(value, str):
        try:
            params.clean_text(value)
        except ValueError:
            assert params.has_bad_text(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("³", None),
        ("٣", None),
        (str(2**63), None),
        ("0", None),
        (" 12 ", 12),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_parse_id(value, expected):
    assert params.parse_id_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9999-12-31", None),
        ("0", None),
        ("\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0661", None),
        ("31/02/2025", None),
        ("05/03/2025", datetime.date(2025, 3, 5)),
        ("2025-03-05", datetime.date(2025, 3, 5)),
        ("2100-12-31", datetime.date(2100, 12, 31)),
    ],
)
def test_parse_date(value, expected):
    assert params.parse_date_or_none(value) == expected


@SETTINGS
@given(pairs=st.lists(st.tuples(st.sampled_from(TASK_FILTERS), VALUES), max_size=8))
def test_task_filters_parse_any_input(pairs):
    filters, errors = task_selectors.parse_task_filters(dict(pairs))
    for name in ("lead_agency", "sector", "province", "source_document"):
        value = getattr(filters, name)
        assert value is None or 0 < value <= params.MAX_ID
    for name in ("deadline_from", "deadline_to", "on"):
        value = getattr(filters, name)
        assert value is None or params.MIN_DATE <= value <= params.MAX_DATE
    assert isinstance(errors, dict)


# --- the pages and the API ---------------------------------------------------------


@pytest.fixture
def demo(db):
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    from dieuphoi.tasks.models import Task

    return {"task": Task.objects.order_by("pk").first()}


@pytest.fixture
def admin_client(client, demo):
    from dieuphoi.accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    client.raise_request_exception = True
    return client


def _pages(task) -> list[tuple[str, list[str]]]:
    return [
        (reverse("core:home"), COMMON),
        (reverse("tasks:list"), [*TASK_FILTERS, "after", "part", "page"]),
        (reverse("tasks:summary"), TASK_FILTERS),
        (reverse("tasks:export"), TASK_FILTERS),
        (reverse("tasks:extension-list"), ["state", "agency", "after"]),
        (reverse("tasks:detail", args=[task.pk]), COMMON),
        (reverse("docs:list"), COMMON),
        (reverse("letters:list"), COMMON),
        (reverse("org:region"), COMMON),
        (reverse("org:agency-list"), COMMON),
        (reverse("org:body-list"), COMMON),
        (reverse("audit:list"), COMMON),
        (reverse("workdays:calendar"), COMMON),
        (reverse("workdays:days-off"), COMMON),
        (reverse("paperwork:list"), COMMON),
        (reverse("notifications:list"), COMMON),
        (reverse("notifications:emails"), COMMON),
        (reverse("reminders:escalations"), COMMON),
        (reverse("discussions:thread", args=["task", task.pk]), COMMON),
    ]


PAGE_NAMES = [
    "home",
    "tasks-list",
    "tasks-summary",
    "tasks-export",
    "extension-list",
    "task-detail",
    "docs-list",
    "letters-list",
    "org-region",
    "org-agencies",
    "org-bodies",
    "audit",
    "workdays-calendar",
    "workdays-days-off",
    "papers",
    "notifications",
    "emails",
    "escalations",
    "discussion",
]


@pytest.mark.skipif(EXAMPLES <= 0, reason="FUZZ_PARAM_EXAMPLES=0")
@pytest.mark.parametrize("index", range(len(PAGE_NAMES)), ids=PAGE_NAMES)
def test_pages_answer_any_query_without_server_error(admin_client, demo, index):
    path, names = _pages(demo["task"])[index]

    @SETTINGS
    @given(query=_query(names))
    def run(query):
        response = admin_client.get(f"{path}?{query}")
        assert response.status_code < 500, (path, query, response.status_code)

    run()


API_LISTS = [
    ("/api/v1/tasks", [*TASK_FILTERS, "cursor", "limit"]),
    ("/api/v1/tasks/summary", TASK_FILTERS),
    ("/api/v1/tasks/sectors", ["on"]),
    ("/api/v1/documents", COMMON),
    ("/api/v1/agencies", COMMON),
    ("/api/v1/bodies", COMMON),
    ("/api/v1/teams", COMMON),
    ("/api/v1/region/units", COMMON),
    ("/api/v1/bodies/1/people", COMMON),
    ("/api/v1/bodies/1/members", COMMON),
]


@pytest.fixture
def admin_token(demo):
    from dieuphoi.accounts.models import User
    from dieuphoi.accounts.services import api_token_create

    _token, raw = api_token_create(user=User.objects.get(username="admin"), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.skipif(EXAMPLES <= 0, reason="FUZZ_PARAM_EXAMPLES=0")
@pytest.mark.parametrize(("path", "names"), API_LISTS, ids=[p for p, _ in API_LISTS])
def test_api_lists_answer_any_query_without_server_error(
    client, admin_token, path, names
):
    client.raise_request_exception = True

    @SETTINGS
    @given(query=_query(names))
    def run(query):
        response = client.get(f"{path}?{query}", **admin_token)
        assert response.status_code < 500, (path, query, response.status_code)
        assert response["Content-Type"].startswith("application/json")

    run()


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        VALUES,
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["agency_id", "body_id", "x"]), inner)
    ),
    max_leaves=6,
)


def _api_bodies(demo):
    """(method, path, field names) of the API operations that take a body."""
    task = demo["task"].pk
    task_fields = [
        "body_id",
        "title",
        "description",
        "lead_agency_id",
        "owner_id",
        "sector_id",
        "province_ids",
        "cooperating",
        "assigned_on",
        "deadline",
        "is_key",
        "recurrence",
        "source_document_id",
        "source_text",
        "version",
    ]
    return [
        ("post", "/api/v1/tasks", task_fields),
        ("patch", f"/api/v1/tasks/{task}", task_fields),
        (
            "post",
            f"/api/v1/tasks/{task}/progress",
            ["percent", "text", "reported_on", "part_id", "reason", "version"],
        ),
        (
            "post",
            f"/api/v1/tasks/{task}/transitions",
            [
                "action",
                "reason",
                "version",
                "new_deadline",
                "reported_on",
                "effective_on",
            ],
        ),
        (
            "post",
            f"/api/v1/tasks/{task}/extension-requests",
            ["new_deadline", "reason", "part_id", "version"],
        ),
        (
            "post",
            "/api/v1/documents",
            [
                "body_id",
                "doc_type",
                "number",
                "symbol",
                "issuer_id",
                "signer",
                "issued_on",
                "summary",
                "direction",
            ],
        ),
        ("post", f"/api/v1/tasks/{task}/comments", ["text", "thread", "mentions"]),
    ]


@pytest.mark.skipif(EXAMPLES <= 0, reason="FUZZ_PARAM_EXAMPLES=0")
@pytest.mark.parametrize("index", range(7))
def test_api_bodies_answer_any_json_without_server_error(
    client, demo, admin_token, index
):
    method, path, names = _api_bodies(demo)[index]
    client.raise_request_exception = True

    @SETTINGS
    @given(body=st.dictionaries(st.sampled_from(names), JSON_VALUES, max_size=8))
    def run(body):
        raw = json.dumps(body)  # lone surrogates as \\udXXX escapes
        response = getattr(client, method)(
            path, raw, content_type="application/json", **admin_token
        )
        assert response.status_code < 500, (path, raw, response.status_code)

    run()


def test_nul_and_lone_surrogates_are_refused_at_the_edge(admin_client, admin_token):
    page = admin_client.get(reverse("tasks:list") + "?q=a%00b")
    assert page.status_code == 400
    posted = admin_client.post(reverse("tasks:create"), {"title": "a\x00b"})
    assert posted.status_code == 400
    api = admin_client.post(
        "/api/v1/documents",
        '{"summary": "a\\u0000b", "cooperating": [{"description": "\\u0000"}]}',
        content_type="application/json",
        **admin_token,
    )
    assert api.status_code == 422
    assert api.json()["code"] == "invalid"
    fields = [e["field"] for e in api.json()["errors"]]
    assert fields == ["summary", "cooperating.0.description"]
    api = admin_client.post(
        "/api/v1/documents",
        '{"summary": "a\\ud800b"}',
        content_type="application/json",
        **admin_token,
    )
    assert api.status_code == 422


def test_bodies_over_the_limit_are_413_and_too_many_files_400(
    admin_client, admin_token, settings, demo
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = json.dumps({"text": "x" * 2000})
    response = admin_client.post(
        f"/api/v1/tasks/{demo['task'].pk}/comments",
        big,
        content_type="application/json",
        **admin_token,
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    page = admin_client.post(reverse("tasks:create"), {"title": "x" * 2000})
    assert page.status_code == 413

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(4)]
    admin_client.raise_request_exception = False
    page = admin_client.post(
        reverse("tasks:progress", args=[demo["task"].pk]), {"files": files}
    )
    assert page.status_code == 400
    api = admin_client.post(
        f"/api/v1/tasks/{demo['task'].pk}/progress",
        {"percent": "10", "text": "x", "files": files},
        **admin_token,
    )
    assert api.status_code == 400
