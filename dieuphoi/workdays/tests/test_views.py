import datetime

import pytest
from django.urls import reverse

from dieuphoi.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db
D = datetime.date
PAGE = reverse("workdays:calendar")
ADD = reverse("workdays:day-add")


def make_rows(n, year=2026):
    # Saturdays of the year made working days: all valid rows.
    saturday = D(year, 1, 3)
    CalendarDay.objects.bulk_create(
        CalendarDay(
            date=saturday + datetime.timedelta(weeks=i),
            kind="working_day",
            note=f"Làm bù {i}",
        )
        for i in range(n)
    )


def test_administrator_sees_the_table_and_the_built_in_holidays(login, admin_user):
    make_rows(2)
    response = login(admin_user).get(PAGE, {"year": 2026})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Làm bù 1" in html
    assert "16/02/2026" in html  # Tết, from the package
    assert 'id="calendar-editor"' in html


@pytest.mark.parametrize("rows", [5, 50])
def test_the_page_keeps_a_fixed_number_of_queries(
    login, admin_user, django_assert_num_queries, rows
):
    make_rows(rows)
    client = login(admin_user)
    with django_assert_num_queries(3):  # session, user, the year's rows
        response = client.get(PAGE, {"year": 2026})
    assert response.content.decode().count("Làm bù") == rows


def test_htmx_gets_only_the_editor(login, admin_user):
    response = login(admin_user).get(PAGE, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="calendar-editor"')


def test_adding_a_swapped_saturday(login, admin_user):
    response = login(admin_user).post(
        ADD,
        {
            "date": "12/12/2026",
            "kind": "working_day",
            "note": "Làm bù",
            "legal_basis": "TB 1",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    assert CalendarDay.objects.get().date == D(2026, 12, 12)


@pytest.mark.parametrize("raw", ["2026/12/12", "12-12-2026", "31/02/2026", "mai"])
def test_an_unknown_date_format_is_a_field_error_and_nothing_is_written(
    login, admin_user, raw
):
    response = login(admin_user).post(ADD, {"date": raw, "kind": "working_day"})
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == ["date"]
    assert "dd/mm/yyyy" in form.errors["date"][0]
    assert 'id="id_date_error"' in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_a_meaningless_row_is_an_error_on_the_kind(login, admin_user):
    response = login(admin_user).post(
        ADD, {"date": "10/12/2026", "kind": "working_day"}
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["kind"]
    assert not CalendarDay.objects.exists()


def test_the_error_is_in_vietnamese(login, admin_user):
    client = login(admin_user)
    client.cookies["django_language"] = "vi"
    response = client.post(
        ADD, {"date": "2026/12/12", "kind": "working_day"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert response.status_code == 422
    assert "Nhập ngày hợp lệ theo định dạng dd/mm/yyyy." in response.content.decode()


def test_removing_a_row(login, admin_user):
    make_rows(1)
    row = CalendarDay.objects.get()
    response = login(admin_user).post(reverse("workdays:day-remove", args=[row.pk]))
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()


def test_removing_an_unknown_row_is_404(login, admin_user):
    response = login(admin_user).post(reverse("workdays:day-remove", args=[999]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["outsider", "leader", "secretariat"])
def test_only_administrators_may_use_the_page(request, login, who):
    make_rows(1)
    row = CalendarDay.objects.get()
    client = login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    response = client.post(ADD, {"date": "12/12/2026", "kind": "working_day"})
    assert response.status_code == 403
    response = client.post(reverse("workdays:day-remove", args=[row.pk]))
    assert response.status_code == 403
    assert CalendarDay.objects.count() == 1


def test_the_admin_site_goes_through_the_service(login, admin_user):
    client = login(admin_user)
    response = client.post(
        reverse("admin:workdays_calendarday_add"),
        {"date": "12/12/2026", "kind": "working_day", "note": "", "legal_basis": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from dieuphoi.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="workdays.day_set").count() == 1
    response = client.post(
        reverse("admin:workdays_calendarday_add"),
        {"date": "10/12/2026", "kind": "working_day", "note": "", "legal_basis": ""},
    )
    assert response.status_code == 200
    assert CalendarDay.objects.count() == 1


# --- statuses, confirm and amend ------------------------------------------------

CONFIRM = reverse("workdays:day-confirm")
DAYS_OFF = reverse("workdays:days-off")


def test_the_page_says_which_day_is_announced_and_which_is_derived(login, admin_user):
    from django.utils import translation

    from dieuphoi.workdays.seed import seed_all

    seed_all()
    client = login(admin_user)
    client.cookies["django_language"] = "en"  # the VI/EN switch
    with translation.override("en"):
        response = client.get(PAGE, {"year": 2026})
    html = response.content.decode()
    announced = html.split('id="calendar-day-2026-01-02"')[1].split("</tr>")[0]
    assert announced.startswith(' class="calendar-day-announced"')
    assert "12729/VPCP-KGVX" in announced and "25/12/2025" in announced
    # 27/04/2026 (Hùng Kings' day observed) has no announcement: derived.
    derived = html.split('id="calendar-day-2026-04-27"')[1].split("</tr>")[0]
    assert "not announced" in derived.lower()
    assert 'action="/working-days/days/confirm/"' in derived
    counts = response.context["counts"]
    assert counts["announced"] == 12  # 1-2/1, 10/1, 16-20/2, 22/8, 31/8-2/9
    assert counts["derived"] >= 4  # 1/1 is announced; 26-27/4, 30/4, 1/5, 24/11


def test_a_year_without_announcements_is_all_derived(login, admin_user):
    response = login(admin_user).get(PAGE, {"year": 2027})
    entries = response.context["entries"]
    assert entries and {e.status for e in entries} == {"derived"}


def test_confirming_a_derived_day(login, admin_user):
    response = login(admin_user).post(CONFIRM, {"date": "27/04/2026"})
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    row = CalendarDay.objects.get()
    assert (row.date, row.status, row.kind) == (D(2026, 4, 27), "confirmed", "day_off")


@pytest.mark.parametrize("raw", ["10/12/2026", "mai"])
def test_confirming_a_date_that_is_not_derived_writes_nothing(login, admin_user, raw):
    response = login(admin_user).post(CONFIRM, {"date": raw})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()


def test_amending_with_an_announcement(login, admin_user):
    response = login(admin_user).post(
        ADD,
        {
            "date": "24/11/2026",
            "kind": "working_day",
            "note": "Làm việc bình thường",
            "basis_number": "1/TB-BNV",
            "basis_date": "01/11/2026",
            "basis_issuer": "Bộ Nội vụ",
            "basis_url": "https://example.gov.vn/tb-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    row = CalendarDay.objects.get()
    assert (row.status, row.basis_date) == ("announced", D(2026, 11, 1))


def test_half_a_citation_is_a_field_error(login, admin_user):
    response = login(admin_user).post(
        ADD, {"date": "02/01/2026", "kind": "day_off", "basis_number": "1/TB-BNV"}
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["basis_date"]
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "leader", "member"])
def test_only_administrators_may_confirm(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.post(CONFIRM, {"date": "27/04/2026"}).status_code == 403
    assert not CalendarDay.objects.exists()


# --- days-off.json -----------------------------------------------------------------


def test_days_off_lists_the_range_with_status_and_effective_deadline(login, member):
    from dieuphoi.workdays.seed import seed_all

    seed_all()
    response = login(member).get(DAYS_OFF, {"from": "2026-01-01", "to": "2026-01-12"})
    assert response.status_code == 200
    data = response.json()
    off = {d["date"]: d for d in data["days_off"]}
    assert set(off) == {
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
        "2026-01-04",
        "2026-01-11",
    }
    assert off["2026-01-02"]["status"] == "announced"
    assert "12729/VPCP-KGVX" in off["2026-01-02"]["basis"]
    assert off["2026-01-03"]["effective_deadline"] == "2026-01-05"
    assert off["2026-01-11"]["status"] == "weekend"
    assert off["2026-01-11"]["effective_deadline"] == "2026-01-12"
    assert [d["date"] for d in data["working_days"]] == ["2026-01-10"]
    assert data["rule"] == "next_working_day"


def test_days_off_under_as_written(login, member, settings):
    settings.DEADLINE_ON_DAY_OFF = "as_written"
    data = (
        login(member).get(DAYS_OFF, {"from": "2026-12-05", "to": "2026-12-06"}).json()
    )
    assert [d["effective_deadline"] for d in data["days_off"]] == [
        "2026-12-05",
        "2026-12-06",
    ]


def test_days_off_marks_derived_days(login, member):
    data = (
        login(member).get(DAYS_OFF, {"from": "27/04/2026", "to": "27/04/2026"}).json()
    )
    assert [(d["date"], d["status"]) for d in data["days_off"]] == [
        ("2026-04-27", "derived")
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-01-01"}, "to"),
        ({"from": "x", "to": "2026-01-01"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"from": "2026-01-01", "to": "2027-12-31"}, "to"),
    ],
)
def test_days_off_bad_ranges_are_422_with_the_field(login, member, params, field):
    response = login(member).get(DAYS_OFF, params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_days_off_is_public_information_for_signed_in_users_only(
    client, login, outsider
):
    response = client.get(DAYS_OFF, {"from": "2026-01-01", "to": "2026-01-05"})
    assert response.status_code == 302  # to the login page
    response = login(outsider).get(DAYS_OFF, {"from": "2026-01-01", "to": "2026-01-05"})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [2, 20])
def test_days_off_costs_a_fixed_number_of_queries(
    login, member, django_assert_num_queries, rows
):
    make_rows(rows)
    client = login(member)
    with django_assert_num_queries(3):  # session, user, the range's rows
        client.get(DAYS_OFF, {"from": "2026-01-01", "to": "2026-12-31"})


# --- the task page -------------------------------------------------------------------


def test_the_task_page_says_when_the_deadline_is_a_day_off(
    login, secretariat, hanoi_team, member_agency, settings
):
    from django.utils import translation

    from dieuphoi.tasks.tests.factories import TaskFactory

    task = TaskFactory(
        body=hanoi_team,
        lead_agency=member_agency,
        assigned_on=D(2026, 11, 2),
        deadline=D(2027, 1, 3),  # a Sunday
    )
    client = login(secretariat)
    url = reverse("tasks:detail", args=[task.pk])
    with translation.override("en"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    note = html.split('id="task-deadline-day-off"')[1].split("</div>")[0]
    assert "03/01/2027" in note and "04/01/2027" in note
    settings.DEADLINE_ON_DAY_OFF = "as_written"
    with translation.override("en"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    note = html.split('id="task-deadline-day-off"')[1].split("</div>")[0]
    assert "04/01/2027" not in note and "03/01/2027" in note


def test_the_task_page_is_silent_for_a_working_day_deadline(
    login, secretariat, hanoi_team, member_agency
):
    from dieuphoi.tasks.tests.factories import TaskFactory

    task = TaskFactory(
        body=hanoi_team, lead_agency=member_agency, deadline=D(2027, 1, 4)
    )
    html = login(secretariat).get(reverse("tasks:detail", args=[task.pk])).content
    assert b'id="task-deadline-day-off"' not in html
