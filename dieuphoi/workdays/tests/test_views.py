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
