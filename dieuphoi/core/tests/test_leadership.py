"""The leadership's home section: who gets it, what it counts, its queries."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from dieuphoi.core import leadership
from dieuphoi.core.models import local_today
from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.reminders.models import TaskEscalation
from dieuphoi.tasks.models import ExtensionRequest, Task
from dieuphoi.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
LEADERSHIP_ROLES = ["leader", "deputy", "leadership_viewer", "admin_user"]


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def make_task(hanoi_team, member_agency, today):
    def _make(**kwargs):
        kwargs.setdefault("body", hanoi_team)
        kwargs.setdefault("lead_agency", member_agency)
        kwargs.setdefault("assigned_on", today - 60 * DAY)
        kwargs.setdefault("deadline", today + 60 * DAY)
        return TaskFactory(**kwargs)

    return _make


def escalate(task, today):
    return TaskEscalation.objects.create(
        task=task,
        deadline=task.deadline,
        urge_count=3,
        escalated_on=today,
        reason="Quá hạn, đã đôn đốc 3 lần.",
    )


def request_extension(task, member, member_agency):
    return ExtensionRequest.objects.create(
        task=task,
        requested_by=member,
        agency=member_agency,
        current_deadline=task.deadline,
        requested_deadline=task.deadline + 30 * DAY,
        reason="Chờ ý kiến của Bộ Xây dựng",
        previous_state=Task.State.IN_PROGRESS,
        state=ExtensionRequest.State.PENDING,
    )


@pytest.fixture
def landscape(make_task, today, member, member_agency):
    """One task of each kind the section shows, plus decoys."""
    week_end = leadership.week_bounds(today)[1]
    tasks = {
        "on_time": make_task(
            state=Task.State.COMPLETED,
            deadline=today - 10 * DAY,
            completed_on=today - 12 * DAY,
        ),
        "late": make_task(
            state=Task.State.COMPLETED,
            deadline=today - 20 * DAY,
            completed_on=today - 5 * DAY,
        ),
        "overdue_key": make_task(deadline=today - 3 * DAY, is_key=True),
        "overdue_plain": make_task(deadline=today - 4 * DAY),
        "due_this_week": make_task(deadline=week_end),
        "due_later": make_task(deadline=week_end + 8 * DAY),
    }
    tasks["escalation"] = escalate(tasks["overdue_plain"], today)
    extended = make_task(state=Task.State.EXTENSION_REQUESTED)
    tasks["extension"] = request_extension(extended, member, member_agency)
    return tasks


def section(user):
    request = RequestFactory().get("/")
    request.user = user
    return leadership.leadership_section(request)


@pytest.mark.parametrize("role", LEADERSHIP_ROLES)
def test_the_leadership_roles_get_the_section(request, role, landscape):
    user = request.getfixturevalue(role)
    result = section(user)
    assert result["template"] == "core/leadership_section.html"
    ctx = result["context"]
    assert ctx["counts"] == {
        "completed_on_time": 1,
        "completed_late": 1,
        # due this week, due later, the one with an extension requested
        "in_progress_within_deadline": 3,
        "overdue": 2,
        "total": 7,
    }
    assert [t.pk for t in ctx["overdue_key"]] == [landscape["overdue_key"].pk]
    assert [t.pk for t in ctx["due_this_week"]] == [landscape["due_this_week"].pk]
    assert [e.pk for e in ctx["escalations"]] == [landscape["escalation"].pk]
    assert [e.pk for e in ctx["extensions"]] == [landscape["extension"].pk]
    assert ctx["extension_total"] == 1


def test_the_rates_are_given_over_their_denominators(leadership_viewer, landscape):
    rates = {
        (r.key, r.denominator): r
        for r in section(leadership_viewer)["context"]["rates"]
    }
    # completed 2 of due 4 (2 completed + 2 overdue); on time 1 of 2 completed
    assert rates[("completion", 4)].numerator == 2
    assert rates[("on_time", 2)].numerator == 1
    assert rates[("overdue_of_due", 4)].numerator == 2
    assert rates[("overdue_of_all", 7)].numerator == 2


@pytest.mark.parametrize("role", ["secretariat", "member", "external", "outsider"])
def test_other_roles_do_not_get_the_section(
    request, role, landscape, django_assert_max_num_queries
):
    user = request.getfixturevalue(role)
    with django_assert_max_num_queries(1):  # at most the user's seats
        assert section(user) is None


def test_the_outsider_sees_nothing_of_it_on_the_home_page(login, outsider, landscape):
    html = login(outsider).get(reverse("core:home")).content.decode()
    assert 'id="leadership-overview"' not in html
    assert landscape["overdue_key"].code not in html


def test_an_inactive_viewer_does_not_get_the_section(leadership_viewer, landscape):
    leadership_viewer.is_active = False
    assert section(leadership_viewer) is None


def test_the_viewer_home_shows_the_section_and_no_missing_role_message(
    login, leadership_viewer, landscape
):
    with translation.override("en"):
        response = login(leadership_viewer).get(reverse("core:home"))
    html = response.content.decode()
    assert 'id="leadership-overview"' in html
    assert 'id="my-roles-empty"' not in html
    assert landscape["overdue_key"].code in html
    assert landscape["escalation"].task.code in html
    assert f"{reverse('tasks:list')}?bucket=overdue" in html


def test_leaders_are_sent_to_their_own_escalation_and_decision_lists(
    login, leader, landscape
):
    html = login(leader).get(reverse("core:home")).content.decode()
    assert 'id="leadership-overview"' in html
    # The decision inbox (tasks app) is on the same page; the tile links to
    # the extension requests list, where the leader decides too.
    assert 'id="extension-inbox"' in html
    assert f'href="{reverse("tasks:extension-list")}"' in html


def test_rates_use_the_vietnamese_decimal_comma(leadership_viewer, make_task, today):
    make_task(
        state=Task.State.COMPLETED,
        deadline=today - 10 * DAY,
        completed_on=today - 12 * DAY,
    )
    make_task(
        state=Task.State.COMPLETED,
        deadline=today - 10 * DAY,
        completed_on=today - 11 * DAY,
    )
    make_task(deadline=today - 2 * DAY)
    request = RequestFactory().get("/")
    request.user = leadership_viewer
    from dieuphoi.core.home import render_home_sections

    with translation.override("vi"):
        html = "".join(render_home_sections(request))
    assert "66,67%" in html  # 2 completed of 3 due
    with translation.override("en"):
        html = "".join(render_home_sections(request))
    assert "66.67%" in html


def test_the_week_runs_monday_to_sunday():
    wednesday = datetime.date(2026, 12, 2)
    assert leadership.week_bounds(wednesday) == (
        datetime.date(2026, 11, 30),
        datetime.date(2026, 12, 6),
    )


def _fill(n, make_task, today, member, member_agency):
    agencies = [AgencyFactory() for _ in range(3)]
    week_end = leadership.week_bounds(today)[1]
    for i in range(n):
        agency = agencies[i % 3]
        kind = i % 4
        if kind == 0:
            task = make_task(
                lead_agency=agency, deadline=today - (i + 1) * DAY, is_key=True
            )
            escalate(task, today)
        elif kind == 1:
            make_task(lead_agency=agency, deadline=week_end)
        elif kind == 2:
            task = make_task(lead_agency=agency, state=Task.State.EXTENSION_REQUESTED)
            request_extension(task, member, member_agency)
        else:
            make_task(
                lead_agency=agency,
                state=Task.State.COMPLETED,
                deadline=today - DAY,
                completed_on=today - 2 * DAY,
            )


@pytest.mark.parametrize("role", ["leader", "leadership_viewer"])
@pytest.mark.parametrize("n", [5, 50])
def test_the_section_takes_a_fixed_number_of_queries(
    request, role, n, make_task, today, member, member_agency, django_assert_num_queries
):
    _fill(n, make_task, today, member, member_agency)
    user = request.getfixturevalue(role)
    # seats, bucket counts, overdue key tasks, due this week (the sections
    # show no parties: no parts loaded), open escalations, pending extension
    # requests
    with django_assert_num_queries(6):
        result = section(user)
        from django.template.loader import render_to_string

        render_to_string(result["template"], result["context"])
    assert result["context"]["overdue_key"]
    assert result["context"]["due_this_week"]
