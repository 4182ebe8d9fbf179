"""The list's rows and the summary's count cells, rendered by the templates
(``tasks/rows.py`` gives the rows; the display filters of ``task_tags`` and
``task_rates`` format them): what each row and cell shows, in the rendered
HTML, for every bucket and warning, with user text escaped."""

import datetime
import html as html_lib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.tasks import rows
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.rates import format_count
from dieuphoi.tasks.templatetags.task_rates import grouped
from dieuphoi.tasks.tests.factories import TaskPartFactory
from dieuphoi.workdays import calendar

DAY = datetime.timedelta(days=1)
S = Task.State

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def list_page(client, **params) -> str:
    response = client.get(
        reverse("tasks:list"), params, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, task: Task) -> str:
    found = re.search(rf'<tr id="task-row-{task.pk}">.*?</tr>', page, re.S)
    assert found, f"no row for {task.code}"
    return found.group(0)


def status_cell(row: str) -> str:
    return re.search(r'<td class="task-status">.*?</td>', row, re.S).group(0)


def badges(cell: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="badge ([^"]+)">([^<]*)</span>', cell)


def working_days_past(deadline: datetime.date, today: datetime.date) -> int:
    return calendar.working_days_between(calendar.effective_deadline(deadline), today)


def test_an_overdue_row(login, secretariat, make_task, coop_agency, today, english):
    task = make_task(
        assigned_on=today - 90 * DAY,
        deadline=today - 20 * DAY,
        original_deadline=today - 40 * DAY,
        extension_count=2,
        urge_count=3,
        progress=40,
        last_update_on=today - 3 * DAY,
        last_update_text="Handed over 60% of the site",
    )
    TaskPartFactory(task=task, agency=coop_agency)
    row = row_of(list_page(login(secretariat)), task)
    deadline, iso = fmt(task.deadline), task.deadline.isoformat()
    # The phone line and the deadline column: dd/mm/yyyy in a <time>.
    assert (
        '<span class="badge text-bg-danger">Overdue</span> '
        f'<time class="text-nowrap" datetime="{iso}">{deadline}</time> '
        '<span class="text-body-secondary">· Sở Xây dựng</span>'
    ) in row
    assert (
        row.count(f'<time class="text-nowrap" datetime="{iso}">{deadline}</time>') == 2
    )
    days = working_days_past(task.deadline, today)
    assert (
        '<div class="small task-deadline-distance text-danger">'
        f"overdue by {days} working days</div>"
    ) in row
    assert (
        '<div class="small text-body-secondary task-urgings">urged 3 times</div>' in row
    )
    assert f"originally {fmt(today - 40 * DAY)}, extended 2 times" in row
    assert "<td>Sở Nông nghiệp và Môi trường</td>" in row
    status = status_cell(row)
    assert badges(status) == [("text-bg-danger", "Overdue")]
    assert '<div class="small text-body-secondary">In progress</div>' in status
    assert '<progress class="task-progress is-overdue" value="40" max="100"' in status
    last = today - 3 * DAY
    assert (
        f'<time class="text-body-secondary" datetime="{last.isoformat()}">'
        f"{fmt(last)}</time> "
        '<span class="task-update-text" title="Handed over 60% of the site">'
        "Handed over 60% of the site</span>"
    ) in row


def test_an_open_row_within_its_deadline(login, secretariat, make_task, today, english):
    task = make_task(
        assigned_on=today - 10 * DAY, deadline=today + 60 * DAY, progress=90
    )
    row = row_of(list_page(login(secretariat)), task)
    left = calendar.working_days_between(today, task.deadline)
    assert (
        '<div class="small task-deadline-distance text-body-secondary">'
        f"{left} working days left</div>"
    ) in row
    status = status_cell(row)
    assert badges(status) == [("text-bg-primary", "In progress within deadline")]
    assert 'class="task-progress is-open" value="90"' in status
    # No co-operating party, no update, no urging, no extension.
    assert '<td><span class="text-body-secondary">—</span></td>' in row
    assert (
        '<td class="task-update small"><span class="text-body-secondary">—</span></td>'
    ) in row
    assert "task-urgings" not in row and "extended" not in row


def test_warnings_are_badges_after_the_bucket(
    login, secretariat, make_task, today, english
):
    soon = make_task(
        assigned_on=today - 10 * DAY,
        deadline=calendar.add_working_days(today, 2),
        progress=90,
    )
    risky = make_task(
        assigned_on=today - 90 * DAY, deadline=today + 30 * DAY, progress=0
    )
    page = list_page(login(secretariat))
    soon_status = status_cell(row_of(page, soon))
    assert badges(soon_status) == [
        ("text-bg-primary", "In progress within deadline"),
        ("text-bg-warning", "Due soon"),
    ]
    assert 'class="task-progress is-warning"' in soon_status
    risky_status = status_cell(row_of(page, risky))
    assert badges(risky_status) == [
        ("text-bg-primary", "In progress within deadline"),
        ("bg-warning-subtle text-warning-emphasis border border-warning", "At risk"),
    ]
    assert 'class="task-progress is-warning"' in risky_status


def test_closed_rows_show_no_working_days(
    login, secretariat, make_task, today, english
):
    on_time = make_task(
        deadline=today + 30 * DAY,
        state=S.COMPLETED,
        completed_on=today - 5 * DAY,
        progress=100,
    )
    late = make_task(
        assigned_on=today - 90 * DAY,
        deadline=today - 30 * DAY,
        state=S.COMPLETED,
        completed_on=today - DAY,
        progress=100,
    )
    cancelled = make_task(
        deadline=today - 30 * DAY, state=S.CANCELLED, cancelled_on=today - DAY
    )
    page = list_page(login(secretariat))
    expected = {
        on_time: ("text-bg-success", "Completed on time", "Completed", "is-done"),
        late: ("text-bg-secondary", "Completed late", "Completed", "is-closed"),
        cancelled: ("text-bg-secondary", "Cancelled", "Cancelled", "is-closed"),
    }
    for task, (css, label, state, progress) in expected.items():
        row = row_of(page, task)
        status = status_cell(row)
        assert badges(status) == [(css, label)], task
        assert f'<div class="small text-body-secondary">{state}</div>' in status
        assert f'class="task-progress {progress}"' in status
        assert "task-deadline-distance" not in row
        assert f'datetime="{task.deadline.isoformat()}">{fmt(task.deadline)}<' in row


def test_a_task_without_deadline_shows_its_recurrence(
    login, secretariat, make_task, english
):
    monthly = make_task(deadline=None, original_deadline=None, recurrence="monthly")
    none = make_task(deadline=None, original_deadline=None)
    page = list_page(login(secretariat))
    assert re.search(
        r'<td class="task-deadline">\s*Monthly\s*</td>', row_of(page, monthly)
    )
    assert '<span class="text-body-secondary">No deadline</span>' in row_of(page, none)


def test_user_text_is_escaped(login, secretariat, make_task, hanoi_team, today):
    party = AgencyFactory(name='Sở <Thử> & "Nghiệm"', short_name="")
    title = '<script>alert("x")</script> Đường & cầu'
    update = "<b>Đã bàn giao</b> & " + "x" * 200
    task = make_task(title=title, last_update_on=today, last_update_text=update)
    TaskPartFactory(task=task, agency=party)
    TaskPartFactory(task=task, agency=AgencyFactory(name="Sở Tài chính"))
    row = row_of(list_page(login(secretariat)), task)
    assert "<script>" not in row and "<b>" not in row
    # The rows are Jinja2 (markupsafe writes a double quote &#34;).
    assert (
        '<td class="task-title">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; '
        "Đường &amp; cầu"
    ) in row
    # The parties' names joined, each escaped.
    odd = "Sở &lt;Thử&gt; &amp; &#34;Nghiệm&#34;"
    assert (
        f"<td>{odd}, Sở Tài chính</td>" in row or f"<td>Sở Tài chính, {odd}</td>" in row
    )
    # The whole text in the title, the first 140 characters (… included) shown.
    shown = re.search(r'title="([^"]*)">([^<]*)</span>', row)
    assert html_lib.unescape(shown.group(1)) == update
    assert shown.group(1).startswith("&lt;b&gt;Đã bàn giao&lt;/b&gt; &amp; xxx")
    assert html_lib.unescape(shown.group(2)) == update[:139] + "…"


def test_rows_count_the_working_days_in_one_walk_without_queries(make_task, today):
    open_ = make_task(assigned_on=today - 90 * DAY, deadline=today - 20 * DAY)
    done = make_task(state=S.COMPLETED, completed_on=today, deadline=today - DAY)
    tasks = list(Task.objects.filter(pk__in=[open_.pk, done.pk]).order_by("pk"))
    for task in tasks:  # what selectors.task_list gives a page
        task.bucket = "overdue" if task.pk == open_.pk else "completed_late"
    with translation.override("en"), CaptureQueriesContext(connection) as ctx:
        got = rows.task_rows(tasks, today)
    assert len(ctx.captured_queries) == 0
    assert [r.task for r in got] == tasks
    days = working_days_past(open_.deadline, today)
    assert [r.deadline_distance for r in got] == [
        f"overdue by {days} working days",
        "",
    ]


# --- summary cells ----------------------------------------------------------------


def test_summary_cells_link_counts_and_leave_zeros_plain(
    login, secretariat, make_task, today, member_agency, sector
):
    make_task(deadline=today - DAY, sector=sector)
    make_task(deadline=today + 60 * DAY, progress=90)  # no sector
    page = login(secretariat).get(reverse("tasks:summary")).content.decode()
    on = today.isoformat()
    row = re.search(
        rf'<tr id="summary-row-agency-{member_agency.pk}">.*?</tr>', page, re.S
    ).group(0)
    cells = re.findall(r'<td class="text-end summary-num">(.*?)</td>', row)
    base = f"/tasks/?on={on}&amp;lead_agency={member_agency.pk}"
    # Columns: completed on time, completed late, within deadline, overdue,
    # total, due soon, at risk; then tasks due and the four rates.
    assert cells[:7] == [
        "0",
        "0",
        f'<a href="{base}&amp;bucket=in_progress_within_deadline">1</a>',
        f'<a href="{base}&amp;bucket=overdue">1</a>',
        f'<a href="{base}">2</a>',
        "0",
        "0",
    ]
    assert cells[7] == "1"  # tasks due: the overdue one
    # The "no sector" row has counts and no links.
    none = re.search(r'<tr id="summary-row-sector-none">.*?</tr>', page, re.S)
    assert re.findall(
        r'<td class="text-end summary-num">(.*?)</td>', none.group(0)
    ) == ["0", "0", "1", "0", "1", "0", "0"]
    sector_row = re.search(
        rf'<tr id="summary-row-sector-{sector.pk}">.*?</tr>', page, re.S
    ).group(0)
    assert (
        f'<a href="/tasks/?on={on}&amp;sector={sector.pk}&amp;bucket=overdue">1</a>'
    ) in sector_row


@pytest.mark.parametrize("language", ["vi", "en"])
def test_grouped_counts_are_the_language_format(language):
    with translation.override(language):
        for n in (0, 7, 999, 1000, 21914, 1234567, -4321):
            assert grouped(n) == format_count(n)
        assert grouped("1500") == format_count(1500)
        big = grouped(1234567)
    assert big == {"vi": "1.234.567", "en": "1,234,567"}[language]
    assert grouped(None) == "" and grouped("x") == ""
