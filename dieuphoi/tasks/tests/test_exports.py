import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from dieuphoi.tasks import buckets, exports
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskPartFactory

DAY = datetime.timedelta(days=1)


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def rows(response) -> list[tuple]:
    wb = workbook(response)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_export_has_translated_headers_real_dates_and_labels(
    login, secretariat, make_task, coop_agency, sector, today
):
    task = make_task(
        title="Xử lý ô nhiễm sông Nhuệ",
        deadline=today - 3 * DAY,
        original_deadline=today - 10 * DAY,
        extension_count=1,
        sector=sector,
        progress=45,
        last_update_on=today - DAY,
        last_update_text="Đang lắp đặt hệ thống xử lý",
    )
    TaskPartFactory(task=task, agency=coop_agency)
    response = login(secretariat).get(reverse("tasks:export"))
    wb = workbook(response)
    ws = wb.worksheets[0]
    with translation.override("vi"):
        headers = [title for title, _width in exports._columns()]
        overdue = buckets.bucket_label(buckets.OVERDUE)
        state = str(Task.State.IN_PROGRESS.label)
    assert [c.value for c in ws[1]] == headers
    row = dict(zip(headers, ws[2], strict=True))
    assert row[headers[0]].value == task.code
    assert row[headers[1]].value == "Xử lý ô nhiễm sông Nhuệ"
    assert row[headers[4]].value == "Sở Xây dựng"
    assert row[headers[5]].value == coop_agency.name
    deadline = row[headers[11]]
    assert deadline.value.date() == today - 3 * DAY  # a real date...
    assert deadline.number_format == "DD/MM/YYYY"  # ...shown as dd/mm/yyyy
    assert row[headers[10]].value.date() == today - 10 * DAY
    assert row[headers[12]].value == 1
    assert row[headers[13]].value == overdue
    assert row[headers[15]].value == state
    assert row[headers[16]].value == 45
    assert row[headers[19]].value == "Đang lắp đặt hệ thống xử lý"
    assert ws.max_row == 2


def test_export_follows_the_list_filters_and_sort(login, secretariat, make_task, today):
    late = make_task(deadline=today - DAY)
    later = make_task(deadline=today - 5 * DAY)
    make_task(deadline=today + DAY)
    response = login(secretariat).get(
        reverse("tasks:export"), {"bucket": "overdue", "sort": "deadline"}
    )
    codes = [r[0] for r in rows(response)[1:]]
    assert codes == [later.code, late.code]


def test_export_as_of_a_date(login, secretariat, make_task, today):
    make_task(deadline=today - DAY)
    response = login(secretariat).get(
        reverse("tasks:export"),
        {"bucket": "overdue", "on": (today - 2 * DAY).isoformat()},
    )
    assert len(rows(response)) == 1  # headers only: not overdue back then


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_export_for_outsiders_has_no_rows(role, request, login, make_task):
    make_task()
    response = login(request.getfixturevalue(role)).get(reverse("tasks:export"))
    assert len(rows(response)) == 1


def test_export_bad_filter_goes_back_to_the_list_with_the_error(login, secretariat):
    response = login(secretariat).get(reverse("tasks:export"), {"bucket": "late"})
    assert response.status_code == 302
    assert response["Location"] == "/tasks/?bucket=late"


def test_export_requires_login(client):
    assert client.get(reverse("tasks:export")).status_code == 302


def test_export_is_cut_with_a_note_past_the_limit(
    login, secretariat, make_task, monkeypatch
):
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    for _ in range(5):
        make_task()
    data = rows(login(secretariat).get(reverse("tasks:export")))
    assert len(data) == 1 + 3 + 1
    assert "3" in data[-1][0]
    assert all(value is None for value in data[-1][1:])


@pytest.mark.parametrize("count", [5, 50])
def test_export_query_count_is_fixed(
    count, login, secretariat, make_task, coop_agency, django_assert_num_queries
):
    for _ in range(count):
        TaskPartFactory(task=make_task(), agency=coop_agency)
    client = login(secretariat)
    # session, user (with the seats), tasks, their co-operating agencies;
    # the rates sheet: grouped counts, agency names, sector names
    with django_assert_num_queries(7):
        response = client.get(reverse("tasks:export"))
    assert len(rows(response)) == count + 1
