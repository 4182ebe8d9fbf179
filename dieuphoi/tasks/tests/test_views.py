import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Attachment
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.org.permissions import clear_role_cache
from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.tasks import buckets, services, views
from dieuphoi.tasks import rows as rows_module
from dieuphoi.tasks.models import ProgressUpdate, Task, TaskPart
from dieuphoi.tasks.permissions import clear_seat_cache
from dieuphoi.tasks.tests.factories import TaskPartFactory

DAY = datetime.timedelta(days=1)
HX = {"HTTP_HX_REQUEST": "true"}
S = Task.State
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"

VIEWERS = ["leader", "secretariat", "member", "coop_member", "leadership_viewer"]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def task(make_task, coop_agency, member):
    """An in-progress task led by SXD (the member's agency), SNNMT co-operating."""
    task = make_task(title="Giải phóng mặt bằng đường Vành đai 4", owner=member)
    TaskPartFactory(task=task, agency=coop_agency, description="Thẩm định môi trường")
    return task


def html(response) -> str:
    return response.content.decode()


def fresh(user):
    """Forget cached roles, as a new request would."""
    clear_seat_cache(user)
    clear_role_cache(user)
    return user


# --- list ---------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_list_shows_the_body_tasks_to_each_role(role, request, login, task):
    response = login(request.getfixturevalue(role)).get(reverse("tasks:list"))
    assert response.status_code == 200
    assert list(response.context["task_ids"]) == [task.pk]
    assert f'id="task-row-{task.pk}"' in html(response)


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_list_is_empty_for_outsiders_and_other_bodies(role, request, login, task):
    response = login(request.getfixturevalue(role)).get(reverse("tasks:list"))
    assert response.status_code == 200
    assert response.context["task_ids"] == ()
    assert task.code not in html(response)


def test_list_requires_login(client, task):
    assert client.get(reverse("tasks:list")).status_code == 302


def test_list_row_shows_parties_deadlines_bucket_and_latest_update(
    login, secretariat, make_task, coop_agency, today
):
    task = make_task(
        deadline=today - 2 * DAY,
        original_deadline=today - 20 * DAY,
        extension_count=2,
        progress=40,
        last_update_on=today - 3 * DAY,
        last_update_text="Đã bàn giao 60% mặt bằng",
    )
    TaskPartFactory(task=task, agency=coop_agency)
    page = html(login(secretariat).get(reverse("tasks:list")))
    row = re.search(rf'<tr id="task-row-{task.pk}">.*?</tr>', page, re.S).group(0)
    assert task.code in row and "Sở Xây dựng" in row and str(coop_agency) in row
    assert (today - 2 * DAY).strftime("%d/%m/%Y") in row
    assert (today - 20 * DAY).strftime("%d/%m/%Y") in row
    assert "text-bg-danger" in row  # overdue: red
    assert str(buckets.bucket_label(buckets.OVERDUE)) in row
    assert 'value="40"' in row
    assert "Đã bàn giao 60% mặt bằng" in row


def test_list_filters_by_bucket_and_keeps_the_filter_in_the_url(
    login, secretariat, make_task, today
):
    overdue = make_task(deadline=today - DAY)
    make_task(deadline=today + 10 * DAY)
    response = login(secretariat).get(reverse("tasks:list"), {"bucket": "overdue"})
    assert list(response.context["task_ids"]) == [overdue.pk]
    page = html(response)
    assert 'href="/tasks/export.xlsx?bucket=overdue"' in page


def test_list_counts_strip_counts_each_bucket_for_the_other_filters(
    login, secretariat, make_task, today, sector
):
    make_task(deadline=today - DAY, sector=sector)
    make_task(deadline=today - 2 * DAY, sector=sector)
    make_task(deadline=today + DAY, sector=sector)
    make_task(deadline=today - DAY)  # other sector: not counted
    make_task(
        deadline=today - DAY, sector=sector, state=S.CANCELLED, cancelled_on=today
    )
    client = login(secretariat)
    page = html(
        client.get(reverse("tasks:list"), {"sector": sector.pk, "bucket": "overdue"})
    )
    # The page asks for the counts once it is shown.
    placeholder = re.search(
        r'<div class="task-counts mb-3" id="task-counts"[^>]*>', page
    )
    counts_url = re.search(r'hx-get="([^"]+)"', placeholder.group(0)).group(1)
    counts_url = counts_url.replace("&amp;", "&")
    assert "part=counts" in counts_url and f"sector={sector.pk}" in counts_url

    response = client.get(counts_url, **HX)
    fragment = html(response)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<nav class="task-counts')
    numbers = {
        name: int(n)
        for name, n in re.findall(
            r'bucket-(\w+)[^"]*".*?task-count-number">(\d+)<', fragment, re.S
        )
    }
    assert numbers == {
        "total": 3,
        "completed_on_time": 0,
        "completed_late": 0,
        "in_progress_within_deadline": 1,
        "overdue": 2,
    }
    assert 'class="task-count bucket-overdue active"' in fragment
    link = re.search(r'bucket-in_progress_within_deadline" href="([^"]+)"', fragment)
    assert f"sector={sector.pk}" in link.group(1)
    assert "bucket=in_progress_within_deadline" in link.group(1)


def test_list_counts_without_javascript_are_a_link_to_the_page_with_them(
    login, secretariat, make_task, today
):
    make_task(deadline=today - DAY)
    response = login(secretariat).get(reverse("tasks:list"), {"part": "counts"})
    counts = {item["name"]: item["count"] for item in response.context["counts"]}
    assert counts["overdue"] == 1 and counts["total"] == 1
    assert 'id="task-rows"' in html(response)


def test_list_free_text_search_ignores_case_and_diacritics(login, member, make_task):
    found = make_task(title="Xử lý ô nhiễm sông Nhuệ")
    make_task(title="Đường Vành đai 4")
    response = login(member).get(reverse("tasks:list"), {"q": "song nhue"})
    assert list(response.context["task_ids"]) == [found.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"bucket": "late"}, "bucket"),
        ({"warning": "soon"}, "warning"),
        ({"state": "done"}, "state"),
        ({"deadline_from": "2025-13-01"}, "deadline_from"),
        ({"assigned_to": "31-12-2025"}, "assigned_to"),
        ({"on": "yesterday"}, "on"),
        ({"lead_agency": "abc"}, "lead_agency"),
        ({"is_key": "maybe"}, "is_key"),
        ({"sort": "title"}, "sort"),
        ({"deadline_from": "01/06/2025", "deadline_to": "01/05/2025"}, "deadline_to"),
    ],
)
def test_list_bad_filter_shows_the_error_at_the_field_and_no_rows(
    query, field, login, secretariat, task
):
    response = login(secretariat).get(reverse("tasks:list"), query)
    assert response.status_code == 200
    assert response.context["task_ids"] == ()
    assert list(response.context["form"].errors) == [field]
    page = html(response)
    assert f'id="id_{field}_error"' in page
    assert 'id="task-filter-errors"' in page
    assert task.code not in page


def test_list_bad_cursor_shows_an_error_not_a_500(login, secretariat, task):
    response = login(secretariat).get(reverse("tasks:list"), {"after": "garbage"})
    assert response.status_code == 200
    assert response.context["task_ids"] == ()
    assert "after" in response.context["errors"]


def test_list_drops_empty_parameters_from_the_address(login, secretariat):
    response = login(secretariat).get(
        reverse("tasks:list"), {"q": "", "bucket": "overdue", "sector": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == "/tasks/?bucket=overdue"


def test_list_htmx_filter_returns_only_the_page_fragment(login, secretariat, task):
    response = login(secretariat).get(
        reverse("tasks:list"), {"q": "vành đai", "bucket": ""}, **HX
    )
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="task-page">')
    assert f'id="task-row-{task.pk}"' in page
    assert response["HX-Push-Url"] == "/tasks/?q=v%C3%A0nh+%C4%91ai"


ADVANCED_FIELDS = ("warning", "state", "cooperating_agency", "province", "on")


def test_closed_advanced_filters_load_their_fields_when_opened(
    login, secretariat, coop_agency, task
):
    client = login(secretariat)
    page = html(client.get(reverse("tasks:list"), {"bucket": "overdue"}))
    # Closed: the main fields only, and a placeholder that loads the others
    # (with the page's filters) when the section opens.
    assert 'name="bucket"' in page and 'name="lead_agency"' in page
    for name in ADVANCED_FIELDS:
        assert f'name="{name}"' not in page
    url = re.search(
        r'<div hx-get="([^"]+)" hx-trigger="show.bs.collapse from:#task-more-filters'
        r' once" hx-target="this"',
        page,
    ).group(1)
    assert url == "/tasks/?bucket=overdue&amp;part=filters"
    fragment = html(client.get("/tasks/?bucket=overdue&part=filters", **HX))
    assert "<html" not in fragment and "<form" not in fragment
    assert fragment.lstrip().startswith('<div class="row g-2 align-items-start"')
    for name in ADVANCED_FIELDS:
        assert f'name="{name}"' in fragment
    assert f'<option value="{coop_agency.pk}">' in fragment
    # Without HTMX the same address is the page with the section open.
    page = html(client.get("/tasks/?bucket=overdue&part=filters"))
    assert 'class="collapse show" id="task-more-filters"' in page
    assert (
        'name="cooperating_agency"' in page and "task-more-filters-loading" not in page
    )


def test_a_set_advanced_filter_opens_its_section_in_the_page(
    login, secretariat, coop_agency, task
):
    page = html(
        login(secretariat).get(
            reverse("tasks:list"), {"cooperating_agency": coop_agency.pk}
        )
    )
    assert 'class="collapse show" id="task-more-filters"' in page
    assert f'<option value="{coop_agency.pk}" selected>' in page
    assert "task-more-filters-loading" not in page
    assert f'id="task-row-{task.pk}"' in page


def test_the_advanced_filters_fragment_is_for_signed_in_users_only(client, outsider):
    response = client.get("/tasks/?part=filters", **HX)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(outsider)
    fragment = html(client.get("/tasks/?part=filters", **HX))
    # The choices are the registry's (the same for everyone); no task shows.
    assert 'name="cooperating_agency"' in fragment and "task-row-" not in fragment


def test_load_more_appends_only_the_next_rows(
    login, secretariat, make_task, today, monkeypatch
):
    monkeypatch.setattr(rows_module, "PAGE_SIZE", 2)
    tasks = [make_task(deadline=today + i * DAY) for i in range(5)]
    client = login(secretariat)
    first = client.get(reverse("tasks:list"), {"sort": "deadline"})
    assert list(first.context["task_ids"]) == [tasks[0].pk, tasks[1].pk]
    more_url = first.context["more_url"]
    assert "after=" in more_url and "sort=deadline" in more_url
    assert f'hx-get="{more_url.replace("&", "&amp;")}"' in html(first)

    second = client.get(more_url, **HX)
    page = html(second)
    assert "<html" not in page and 'id="task-page"' not in page
    assert re.findall(r'id="task-row-(\d+)"', page) == [
        str(tasks[2].pk),
        str(tasks[3].pk),
    ]
    assert 'id="task-rows-more"' in page
    next_url = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    third = client.get(next_url, **HX)
    assert re.findall(r'id="task-row-(\d+)"', html(third)) == [str(tasks[4].pk)]
    assert 'id="task-rows-more"' not in html(third)


@pytest.fixture
def rows_of(make_task, coop_agency, today, sector):
    def _rows(n):
        for i in range(n):
            task = make_task(
                deadline=today + (i - n // 2) * DAY,
                sector=sector,
                last_update_on=today,
                last_update_text="Cập nhật",
            )
            TaskPartFactory(task=task, agency=coop_agency)

    return _rows


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_fixed(
    rows, rows_of, login, member, django_assert_num_queries
):
    from dieuphoi.docs.models import fold
    from dieuphoi.tasks import search

    rows_of(rows)
    client = login(member)
    fresh(member)
    # The first search of a needle in a process probes how common it is when
    # the SQLite index answers it (tasks/search.py ``dense``): one query.
    search.forget()
    probe = 1 if search.indexed(fold("nhiệm vụ")) else 0
    # session, user (with the seats), tasks, parts, the filter selects
    # (agencies, sectors, units); the counts come in their own request
    with django_assert_num_queries(7 + probe):
        response = client.get(reverse("tasks:list"), {"q": "nhiệm vụ"})
    assert len(response.context["task_ids"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_list_counts_fragment_query_count_is_fixed(
    rows, rows_of, login, member, django_assert_num_queries
):
    from dieuphoi.docs.models import fold
    from dieuphoi.tasks import search

    rows_of(rows)
    client = login(member)
    fresh(member)
    # As the list: a first search of the needle probes it (SQLite index).
    search.forget()
    probe = 1 if search.indexed(fold("nhiệm vụ")) else 0
    # session, user (with the seats), the counts
    with django_assert_num_queries(3 + probe):
        response = client.get(
            reverse("tasks:list"), {"q": "nhiệm vụ", "part": "counts"}, **HX
        )
    assert re.search(r'task-count-number">(\d+)<', html(response)).group(1) == str(rows)


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_with_every_filter_is_fixed(
    rows,
    rows_of,
    login,
    secretariat,
    member_agency,
    coop_agency,
    sector,
    django_assert_num_queries,
):
    rows_of(rows)
    client = login(secretariat)
    params = {
        "lead_agency": member_agency.pk,
        "cooperating_agency": coop_agency.pk,
        "sector": sector.pk,
        "deadline_from": "01/01/2000",
        "sort": "deadline",
        "is_key": "0",
    }
    # the same queries, however many filters are set
    with django_assert_num_queries(7):
        response = client.get(reverse("tasks:list"), params)
    assert len(response.context["task_ids"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_with_a_source_document_is_fixed(
    rows, make_task, hanoi_team, login, secretariat, django_assert_num_queries
):
    document = DocumentFactory(body=hanoi_team, number="986", symbol="QĐ-TTg")
    for _ in range(rows):
        make_task(source_document=document)
    make_task()  # another source: not listed
    client = login(secretariat)
    # as above, plus the document's label for its filter
    with django_assert_num_queries(8):
        response = client.get(reverse("tasks:list"), {"source_document": document.pk})
    assert len(response.context["task_ids"]) == rows
    assert f'<option value="{document.pk}" selected>986/QĐ-TTg' in html(response)


@pytest.mark.parametrize("rows", [5, 50])
def test_load_more_fragment_query_count_is_fixed(
    rows, rows_of, login, member, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(rows_module, "PAGE_SIZE", 2)
    rows_of(rows + 2)
    client = login(member)
    more_url = client.get(reverse("tasks:list")).context["more_url"]
    monkeypatch.setattr(rows_module, "PAGE_SIZE", 50)
    # session, user (with the seats), tasks, parts: no form, no counts
    with django_assert_num_queries(4):
        response = client.get(more_url, **HX)
    assert html(response).count('id="task-row-') == rows


# --- summary ------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_summary_counts_per_bucket_and_links_to_the_filtered_list(
    role, request, login, make_task, today, member_agency, sector
):
    make_task(deadline=today - DAY, sector=sector)
    make_task(deadline=today + DAY, sector=sector)
    make_task(deadline=today - 3 * DAY, state=S.CANCELLED, cancelled_on=today)
    response = login(request.getfixturevalue(role)).get(reverse("tasks:summary"))
    assert response.status_code == 200
    summary = response.context["summary_page"]
    assert summary.totals["overdue"] == 1
    assert summary.totals["total"] == 2
    assert summary.agency_ids[0] == member_agency.pk
    page = html(response)
    link = (
        f"/tasks/?on={today.isoformat()}&amp;lead_agency={member_agency.pk}"
        "&amp;bucket=overdue"
    )
    assert f'<a href="{link}">1</a>' in page
    sector_link = (
        f"/tasks/?on={today.isoformat()}&amp;sector={sector.pk}&amp;bucket=overdue"
    )
    assert sector_link in page
    # The link leads to the same count.
    listed = login(request.getfixturevalue(role)).get(link.replace("&amp;", "&"))
    assert len(listed.context["task_ids"]) == 1


def test_summary_sorts_agencies_by_overdue(login, secretariat, make_task, today):
    calm = AgencyFactory(name="Sở Văn hóa")
    busy = AgencyFactory(name="Sở Giao thông")
    make_task(lead_agency=calm, deadline=today + DAY)
    make_task(lead_agency=calm, deadline=today + DAY)
    make_task(lead_agency=busy, deadline=today - DAY)
    response = login(secretariat).get(reverse("tasks:summary"))
    assert list(response.context["summary_page"].agency_ids) == [
        busy.pk,
        calm.pk,
    ]


def test_summary_as_of_a_past_date(login, secretariat, make_task, today):
    make_task(deadline=today - DAY)  # overdue today, within deadline before
    response = login(secretariat).get(
        reverse("tasks:summary"), {"on": (today - 2 * DAY).strftime("%d/%m/%Y")}
    )
    totals = response.context["summary_page"].totals
    assert totals["overdue"] == 0 and totals["in_progress_within_deadline"] == 1


def test_summary_bad_date_is_an_error_at_the_field(login, secretariat, task):
    response = login(secretariat).get(reverse("tasks:summary"), {"on": "31/02/2025"})
    assert response.status_code == 200
    assert response.context["summary_page"] is None
    assert 'id="summary-on-error"' in html(response)


def test_summary_is_empty_for_an_outsider(login, outsider, task):
    response = login(outsider).get(reverse("tasks:summary"))
    assert response.status_code == 200
    assert response.context["summary_page"].totals["total"] == 0
    assert response.context["summary_page"].agency_ids == ()


def test_summary_chart_data_is_json_not_an_inline_script(login, secretariat, task):
    page = html(login(secretariat).get(reverse("tasks:summary")))
    assert '<script id="task-summary-data" type="application/json">' in page
    assert 'data-task-chart="task-summary-data"' in page
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert all('type="application/json"' in s for s in scripts)


@pytest.mark.parametrize("rows", [5, 50])
def test_summary_query_count_is_fixed(
    rows, rows_of, login, secretariat, django_assert_num_queries
):
    rows_of(rows)
    client = login(secretariat)
    fresh(secretariat)
    # session, user (with the seats), the grouped counts, agency names,
    # sectors
    with django_assert_num_queries(5):
        response = client.get(reverse("tasks:summary"))
    assert response.context["summary_page"].totals["total"] == rows


# --- create ---------------------------------------------------------------------


@pytest.fixture
def create_data(hanoi_team, member_agency, coop_agency, today, sector, province):
    def _data(**overrides):
        data = {
            "body": hanoi_team.pk,
            "title": "Đẩy nhanh giải phóng mặt bằng đường Vành đai 4",
            "description": "Báo cáo kết quả trước cuộc họp Tổ điều phối.",
            "source_text": "Kết luận cuộc họp ngày 05/03/2025",
            "assigned_on": today.strftime("%d/%m/%Y"),
            "lead_agency": member_agency.pk,
            "sector": sector.pk,
            "provinces": [province.pk],
            "is_key": "on",
            "deadline_kind": "date",
            "deadline": (today + 30 * DAY).strftime("%d/%m/%Y"),
            "parts-TOTAL_FORMS": "2",
            "parts-INITIAL_FORMS": "0",
            "parts-MIN_NUM_FORMS": "0",
            "parts-MAX_NUM_FORMS": "1000",
            "parts-0-agency": coop_agency.pk,
            "parts-0-description": "Thẩm định đánh giá tác động môi trường",
            "parts-0-deadline": (today + 20 * DAY).strftime("%d/%m/%Y"),
            "parts-1-agency": "",
            "parts-1-description": "",
            "parts-1-deadline": "",
        }
        data.update(overrides)
        return data

    return _data


@pytest.mark.parametrize("role", ["leader", "deputy", "secretariat", "admin_user"])
def test_create_form_is_offered_to_managers(role, request, login, hanoi_team):
    response = login(request.getfixturevalue(role)).get(reverse("tasks:create"))
    assert response.status_code == 200
    assert 'id="task-form"' in html(response)
    assert 'id="parts-empty-form"' in html(response)


@pytest.mark.parametrize(
    "role", ["member", "coop_member", "leadership_viewer", "external", "outsider"]
)
def test_create_is_forbidden_to_others(role, request, login, hanoi_team):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("tasks:create")).status_code == 403
    assert client.post(reverse("tasks:create"), {"title": "x"}).status_code == 403
    assert Task.objects.count() == 0


def test_create_assigns_the_task_and_goes_to_its_page(
    login, secretariat, create_data, coop_agency, province
):
    response = login(secretariat).post(reverse("tasks:create"), create_data())
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:detail", args=[task.pk])
    assert task.code.startswith("NV-") and task.is_key
    assert task.assigned_by == secretariat
    assert [(p.agency, p.description) for p in task.parts.all()] == [
        (coop_agency, "Thẩm định đánh giá tác động môi trường")
    ]
    assert list(task.provinces.all()) == [province]
    assert AuditEvent.objects.filter(action="tasks.create").count() == 1


def test_create_without_deadline_or_recurring(login, secretariat, create_data):
    client = login(secretariat)
    client.post(
        reverse("tasks:create"), create_data(deadline_kind="quarterly", deadline="")
    )
    task = Task.objects.get()
    assert task.deadline is None and task.recurrence == "quarterly"


def test_create_over_htmx_redirects_the_client(login, secretariat, create_data):
    response = login(secretariat).post(reverse("tasks:create"), create_data(), **HX)
    assert response.status_code == 200
    task = Task.objects.get()
    assert response["HX-Redirect"] == reverse("tasks:detail", args=[task.pk])


def _assert_nothing_written():
    assert Task.objects.count() == 0
    assert TaskPart.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="tasks.").count() == 0


def test_create_rejects_a_deadline_before_the_assigned_date(
    login, secretariat, create_data, today
):
    response = login(secretariat).post(
        reverse("tasks:create"),
        create_data(
            deadline=(today - DAY).strftime("%d/%m/%Y"), **{"parts-0-deadline": ""}
        ),
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["deadline"]
    assert 'id="id_deadline_error"' in html(response)
    _assert_nothing_written()


def test_create_rejects_the_lead_agency_as_co_operating(
    login, secretariat, create_data, member_agency
):
    response = login(secretariat).post(
        reverse("tasks:create"), create_data(**{"parts-0-agency": member_agency.pk})
    )
    assert response.status_code == 200
    errors = response.context["part_errors"]
    assert len(errors) == 1 and "Sở Xây dựng" in errors[0]
    assert 'id="parts-errors"' in html(response)
    _assert_nothing_written()


def test_create_rejects_an_agency_not_valid_on_the_assigned_date(
    login, secretariat, create_data, today
):
    merged = AgencyFactory(
        name="Sở Kế hoạch và Đầu tư",
        valid_from=datetime.date(2008, 8, 1),
        valid_to=datetime.date(2025, 2, 28),
    )
    response = login(secretariat).post(
        reverse("tasks:create"), create_data(lead_agency=merged.pk)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["lead_agency"]
    assert "Sở Kế hoạch và Đầu tư" in errors["lead_agency"][0]
    _assert_nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"assigned_on": "31/02/2025"}, "assigned_on"),
        ({"deadline": ""}, "deadline"),
        ({"lead_agency": "999999"}, "lead_agency"),
        ({"deadline_kind": "weekly"}, "deadline_kind"),
    ],
)
def test_create_bad_input_is_an_error_at_the_field(
    overrides, field, login, secretariat, create_data
):
    response = login(secretariat).post(
        reverse("tasks:create"), create_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    _assert_nothing_written()


def test_create_errors_over_htmx_return_only_the_form(login, secretariat, create_data):
    response = login(secretariat).post(
        reverse("tasks:create"), create_data(title=""), **HX
    )
    page = html(response)
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="task-form"')
    _assert_nothing_written()


# --- detail -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*VIEWERS, "deputy", "admin_user"])
def test_detail_is_shown_to_those_who_may_see_it(role, request, login, task):
    response = login(request.getfixturevalue(role)).get(
        reverse("tasks:detail", args=[task.pk])
    )
    assert response.status_code == 200
    page = html(response)
    assert task.title in page
    assert 'id="task-parts"' in page and "Thẩm định môi trường" in page
    assert 'id="attachments"' in page and 'id="timeline-heading"' in page


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_detail_is_404_for_outsiders(role, request, login, task):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404
    assert client.get(reverse("tasks:edit", args=[task.pk])).status_code == 404
    for name in ("tasks:transition", "tasks:progress", "tasks:attachment-upload"):
        response = client.post(reverse(name, args=[task.pk]), {"action": "cancel"})
        assert response.status_code == 404


def test_detail_of_a_missing_task_is_404(login, secretariat):
    assert login(secretariat).get("/tasks/999999/").status_code == 404


def _action_names(response) -> list[str]:
    return [a["name"] for a in response.context["actions"]]


def test_detail_offers_each_role_its_actions(
    login, task, member, secretariat, coop_member, leadership_viewer
):
    url = reverse("tasks:detail", args=[task.pk])
    as_member = login(member).get(url)
    assert _action_names(as_member) == ["report_done"]
    assert as_member.context["progress_form"] is not None
    as_secretariat = login(secretariat).get(url)
    assert _action_names(as_secretariat) == ["cancel", "change_deadline"]
    assert as_secretariat.context["progress_form"] is None
    assert 'id="task-progress-form"' not in html(as_secretariat)
    as_coop = login(coop_member).get(url)
    assert _action_names(as_coop) == []
    assert as_coop.context["reporting"]["parts"][0].agency.code == "SNNMT"
    as_viewer = login(leadership_viewer).get(url)
    assert _action_names(as_viewer) == [] and as_viewer.context["progress_form"] is None
    assert 'id="task-actions"' not in html(as_viewer)


def test_detail_explains_why_the_task_is_at_risk(login, secretariat, make_task, today):
    task = make_task(
        assigned_on=today - 80 * DAY, deadline=today + 20 * DAY, progress=10
    )
    page = html(login(secretariat).get(reverse("tasks:detail", args=[task.pk])))
    assert 'id="task-at-risk"' in page
    assert "10%" in page and "80%" in page


def test_detail_shows_original_and_current_deadline(
    login, secretariat, make_task, today
):
    task = make_task(
        deadline=today + 40 * DAY, original_deadline=today + 10 * DAY, extension_count=1
    )
    page = html(login(secretariat).get(reverse("tasks:detail", args=[task.pk])))
    block = re.search(r'id="task-deadline".*?</dd>', page, re.S).group(0)
    assert (today + 40 * DAY).strftime("%d/%m/%Y") in block
    assert (today + 10 * DAY).strftime("%d/%m/%Y") in block


# --- transitions ------------------------------------------------------------------


def _transition(client, task, **data):
    data.setdefault("version", task.version)
    return client.post(reverse("tasks:transition", args=[task.pk]), data, **HX)


def test_report_done_then_confirm_over_htmx(login, task, member, secretariat, today):
    response = _transition(login(member), task, action="report_done", reason="Xong")
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith('<div id="task-detail"')
    assert "showToast" in response["HX-Trigger"]
    task.refresh_from_db()
    assert task.state == S.REPORTED_DONE

    response = _transition(login(secretariat), task, action="confirm")
    task.refresh_from_db()
    assert task.state == S.COMPLETED and task.completed_on == today
    bucket = re.search(r'id="task-bucket">([^<]*)<', html(response)).group(1)
    assert bucket == buckets.bucket_label(buckets.COMPLETED_ON_TIME)
    assert AuditEvent.objects.filter(action="tasks.confirm").count() == 1


def test_transition_without_htmx_redirects(login, task, secretariat):
    response = login(secretariat).post(
        reverse("tasks:transition", args=[task.pk]),
        {"action": "cancel", "reason": "Trùng nhiệm vụ", "version": task.version},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == S.CANCELLED


def test_cancel_needs_a_reason_shown_at_the_field(login, task, secretariat):
    response = _transition(login(secretariat), task, action="cancel", reason="")
    assert response.status_code == 200
    page = html(response)
    assert 'id="id_cancel_reason_error"' in page
    assert 'class="collapse show mt-3" id="task-action-cancel"' in page
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS and task.version == 1


def test_change_deadline_counts_the_extension(login, task, secretariat, today):
    old = task.deadline
    new = today + 90 * DAY
    _transition(
        login(secretariat),
        task,
        action="change_deadline",
        reason="Vướng mặt bằng",
        new_deadline=new.strftime("%d/%m/%Y"),
    )
    task.refresh_from_db()
    assert (task.deadline, task.original_deadline, task.extension_count) == (
        new,
        old,
        1,
    )


def test_change_deadline_before_assigned_date_is_refused(login, task, secretariat):
    response = _transition(
        login(secretariat),
        task,
        action="change_deadline",
        reason="Sai",
        new_deadline=(task.assigned_on - DAY).strftime("%d/%m/%Y"),
    )
    assert 'id="id_change_deadline_new_deadline_error"' in html(response)
    task.refresh_from_db()
    assert task.extension_count == 0


@pytest.mark.parametrize(
    ("role", "action"),
    [
        ("member", "cancel"),
        ("member", "confirm"),
        ("coop_member", "report_done"),
        ("leadership_viewer", "cancel"),
        ("secretariat", "report_done"),
    ],
)
def test_transition_the_role_does_not_allow_is_403(role, action, request, login, task):
    response = _transition(
        login(request.getfixturevalue(role)), task, action=action, reason="Lý do"
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS


def test_transition_the_state_does_not_allow_says_why(login, task, secretariat):
    response = _transition(login(secretariat), task, action="confirm")
    # The secretariat may confirm, but not a task in progress.
    assert response.status_code == 200
    assert 'id="task-notice"' in html(response)
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS


def test_transition_with_a_stale_version_changes_nothing(login, task, secretariat):
    response = _transition(
        login(secretariat),
        task,
        action="cancel",
        reason="Trùng",
        version=task.version - 1 or 99,
    )
    assert 'id="task-notice"' in html(response)
    task.refresh_from_db()
    assert task.state == S.IN_PROGRESS


# --- progress -------------------------------------------------------------------------


def _progress(client, task, files=(), **data):
    data.setdefault("version", task.version)
    data.setdefault("text", "Đã hoàn thành kiểm đếm")
    if files:
        data["files"] = list(files)
    return client.post(reverse("tasks:progress", args=[task.pk]), data, **HX)


def test_lead_focal_point_reports_progress_with_a_file(login, task, member):
    pdf = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    response = _progress(login(member), task, percent=60, files=[pdf])
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and 'id="task-detail"' in page
    update = ProgressUpdate.objects.get()
    assert (update.percent, update.part) == (60, None)
    attachment = Attachment.objects.get()
    assert attachment.target == update
    assert "bien-ban.pdf" in page
    task.refresh_from_db()
    assert task.progress == 60


def test_co_operating_agency_reports_on_its_part(login, task, coop_member):
    _progress(login(coop_member), task, percent=50, text="Đang thẩm định")
    part = task.parts.get()
    assert part.progress == 50
    assert ProgressUpdate.objects.get().part == part
    task.refresh_from_db()
    assert task.progress == 0


def test_lower_progress_needs_a_reason(login, make_task, member):
    task = make_task(progress=70)
    response = _progress(login(member), task, percent=40)
    assert 'id="id_reason_error"' in html(response)
    assert ProgressUpdate.objects.count() == 0
    _progress(login(member), task, percent=40, reason="Phải làm lại hồ sơ")
    assert ProgressUpdate.objects.get().reason == "Phải làm lại hồ sơ"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"percent": "150"}, "percent"),
        ({"percent": "-1"}, "percent"),
        ({"percent": "abc"}, "percent"),
        ({"percent": "50", "text": ""}, "text"),
        ({"percent": "50", "reported_on": "32/01/2025"}, "reported_on"),
    ],
)
def test_bad_progress_is_an_error_at_the_field(data, field, login, task, member):
    response = _progress(login(member), task, **data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html(response)
    assert ProgressUpdate.objects.count() == 0


def test_a_file_of_a_wrong_type_writes_nothing(login, task, member, media):
    exe = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = _progress(login(member), task, percent=30, files=[exe])
    assert 'id="id_files_error"' in html(response)
    assert ProgressUpdate.objects.count() == 0
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize("role", ["secretariat", "leadership_viewer"])
def test_progress_by_a_non_reporter_is_403(role, request, login, task):
    response = _progress(login(request.getfixturevalue(role)), task, percent=10)
    assert response.status_code == 403
    assert ProgressUpdate.objects.count() == 0


# --- edit -------------------------------------------------------------------------------


def _edit_data(task, **overrides):
    parts = list(task.parts.all())
    data = {
        "version": task.version,
        "title": task.title,
        "description": task.description,
        "source_text": task.source_text,
        "lead_agency": task.lead_agency_id,
        "owner": task.owner_id or "",
        "sector": task.sector_id or "",
        "recurrence": task.recurrence,
        "parts-TOTAL_FORMS": str(len(parts) + 1),
        "parts-INITIAL_FORMS": str(len(parts)),
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "1000",
    }
    for i, part in enumerate(parts):
        data[f"parts-{i}-agency"] = part.agency_id
        data[f"parts-{i}-description"] = part.description
        data[f"parts-{i}-deadline"] = (
            part.deadline.strftime("%d/%m/%Y") if part.deadline else ""
        )
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["leader", "secretariat", "admin_user"])
def test_edit_form_is_offered_to_managers(role, request, login, task):
    response = login(request.getfixturevalue(role)).get(
        reverse("tasks:edit", args=[task.pk])
    )
    assert response.status_code == 200
    assert f'name="version" value="{task.version}"' in html(response)


@pytest.mark.parametrize("role", ["member", "coop_member", "leadership_viewer"])
def test_edit_is_forbidden_to_others(role, request, login, task):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("tasks:edit", args=[task.pk])).status_code == 403
    response = client.post(reverse("tasks:edit", args=[task.pk]), _edit_data(task))
    assert response.status_code == 403


def test_edit_saves_the_changes(login, task, secretariat):
    response = login(secretariat).post(
        reverse("tasks:edit", args=[task.pk]),
        _edit_data(task, title="Tiêu đề mới", is_key="on"),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.is_key, task.version) == ("Tiêu đề mới", True, 2)
    assert task.parts.count() == 1


def test_edit_removes_a_co_operating_agency(login, task, secretariat):
    login(secretariat).post(
        reverse("tasks:edit", args=[task.pk]),
        _edit_data(task, **{"parts-0-DELETE": "on"}),
    )
    assert task.parts.count() == 0


def test_edit_of_a_completed_task_keeps_its_agencies(
    login, make_task, secretariat, coop_agency, today
):
    task = make_task(state=S.COMPLETED, completed_on=today, progress=100)
    TaskPartFactory(task=task, agency=coop_agency)
    response = login(secretariat).post(
        reverse("tasks:edit", args=[task.pk]), _edit_data(task, title="Đổi tên")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Đổi tên"


def test_edit_with_a_stale_version_shows_the_other_change_and_keeps_it(
    login, task, secretariat, leader
):
    stale = _edit_data(task, title="Tên của thư ký")
    services.task_update(
        actor=leader, task=task, version=task.version, title="Tên của lãnh đạo"
    )
    response = login(secretariat).post(reverse("tasks:edit", args=[task.pk]), stale)
    assert response.status_code == 409
    page = html(response)
    assert 'id="task-conflict"' in page
    assert "Tên của lãnh đạo" in page and "Tên của thư ký" in page
    assert leader.display_name in page
    task.refresh_from_db()
    assert task.title == "Tên của lãnh đạo" and task.version == 2
    # The form now carries the current version: saving again keeps mine.
    assert 'name="version" value="2"' in page
    again = login(secretariat).post(
        reverse("tasks:edit", args=[task.pk]), {**stale, "version": 2}
    )
    assert again.status_code == 302
    task.refresh_from_db()
    assert task.title == "Tên của thư ký"


def test_edit_conflict_over_htmx_returns_the_form_fragment(
    login, task, secretariat, leader
):
    stale = _edit_data(task, title="Tên mới")
    services.task_transition(actor=leader, task=task, action="cancel", reason="Trùng")
    response = login(secretariat).post(
        reverse("tasks:edit", args=[task.pk]), stale, **HX
    )
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page and 'id="task-conflict"' in page
    task.refresh_from_db()
    assert task.title != "Tên mới"


# --- attachments ------------------------------------------------------------------------


def test_secretariat_attaches_a_file_to_the_task(login, task, secretariat):
    pdf = SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf")
    response = login(secretariat).post(
        reverse("tasks:attachment-upload", args=[task.pk]), {"file": pdf}, **HX
    )
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="attachments"')
    assert Attachment.objects.get().target == task


def test_leadership_viewer_cannot_attach(login, task, leadership_viewer):
    pdf = SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf")
    response = login(leadership_viewer).post(
        reverse("tasks:attachment-upload", args=[task.pk]), {"file": pdf}
    )
    assert response.status_code == 403
    assert Attachment.objects.count() == 0


# --- home ----------------------------------------------------------------------------------


def test_home_shows_the_focal_point_what_to_report(login, member, make_task, today):
    make_task(deadline=today - DAY, title="Nhiệm vụ quá hạn của Sở")
    page = html(login(member).get(reverse("core:home")))
    assert 'id="my-tasks"' in page
    assert 'id="my-tasks-to_report"' in page and 'id="my-tasks-overdue"' in page
    assert "Nhiệm vụ quá hạn của Sở" in page
    assert 'id="my-tasks-to_confirm"' not in page


def test_home_shows_the_secretariat_what_to_confirm(login, secretariat, make_task):
    task = make_task(state=S.REPORTED_DONE, progress=100)
    response = login(secretariat).get(reverse("core:home"))
    page = html(response)
    block = re.search(r'id="my-tasks-to_confirm".*?</div>\s*</div>', page, re.S).group(
        0
    )
    assert task.code in block
    assert "state=reported_done" in page


def test_home_has_no_task_section_for_an_outsider(login, outsider, task):
    page = html(login(outsider).get(reverse("core:home")))
    assert 'id="my-tasks"' not in page
    assert task.code not in page


@pytest.mark.parametrize("rows", [5, 50])
def test_home_query_count_is_fixed(
    rows, login, member, make_task, today, django_assert_num_queries
):
    for i in range(rows):
        make_task(deadline=today + (60 + i) * DAY)
    client = login(member)
    fresh(member)
    # the home page (session, user with its seats, the memberships it lists),
    # then the section: the five counts in one query, and the one non-empty
    # list (to report); then the documents section's one query
    # (paperwork.home)
    with django_assert_num_queries(6):
        response = client.get(reverse("core:home"))
    page = html(response)
    block = re.search(r'id="my-tasks-to_report".*?</ul>', page, re.S).group(0)
    assert block.count('href="/tasks/') == views.HOME_LIST_SIZE


@pytest.mark.parametrize(("language", "shown"), [("vi", "12.345"), ("en", "12,345")])
def test_the_counts_strip_groups_thousands_as_the_summary_does(
    login, member, monkeypatch, language, shown, settings
):
    counts = {
        "total": 12345,
        "completed_on_time": 10000,
        "completed_late": 345,
        "in_progress_within_deadline": 1000,
        "overdue": 1000,
    }
    monkeypatch.setattr(
        "dieuphoi.tasks.views.selectors.task_bucket_counts", lambda **_kw: counts
    )
    client = login(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    fragment = html(client.get(reverse("tasks:list"), {"part": "counts"}, **HX))
    assert f'task-count-number">{shown}<' in fragment
