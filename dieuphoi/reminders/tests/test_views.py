"""Escalations: the list for the leadership meeting, resolving one, the home
section and the task page panel."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.reminders import selectors
from dieuphoi.reminders.models import Reminder, TaskEscalation

pytestmark = pytest.mark.django_db
D = datetime.date


def escalate(task, **kwargs):
    kwargs.setdefault("deadline", task.deadline)
    kwargs.setdefault("urge_count", 3)
    kwargs.setdefault("escalated_on", D(2026, 3, 9))
    kwargs.setdefault("reason", "Quá hạn từ 24/02/2026, đã đôn đốc 3 lần.")
    return TaskEscalation.objects.create(task=task, **kwargs)


def page(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("role", ["leader", "secretariat", "admin_user"])
def test_managers_see_the_escalations(request, login, role, make_task):
    task = make_task()
    escalate(task)
    response = login(request.getfixturevalue(role)).get(
        reverse("reminders:escalations")
    )
    assert response.status_code == 200
    assert task.code in page(response)


@pytest.mark.parametrize("role", ["outsider", "member", "external"])
def test_others_may_not_see_the_list(request, login, role, make_task):
    escalate(make_task())
    response = login(request.getfixturevalue(role)).get(
        reverse("reminders:escalations")
    )
    assert response.status_code == 403


def test_another_bodys_escalations_are_not_listed(login, leader, other_team, make_task):
    other = make_task(body=other_team)
    escalate(other)
    assert other.code not in page(login(leader).get(reverse("reminders:escalations")))


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_query_count_is_fixed(
    rows, login, secretariat, make_task, django_assert_num_queries
):
    for _ in range(rows):
        escalate(make_task())
    client = login(secretariat)
    # session, user (with the seats), the page of escalations
    with django_assert_num_queries(3):
        response = client.get(reverse("reminders:escalations"))
    assert page(response).count('id="escalation-row-') == rows


def test_the_leader_resolves_an_escalation(login, leader, make_task):
    task = make_task()
    escalation = escalate(task)
    response = login(leader).post(
        reverse("reminders:escalation-resolve", args=[escalation.pk]),
        {"resolution": "Giao lại cho Sở Xây dựng, hạn mới 31/03."},
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.resolved
    assert escalation.resolved_by == leader
    assert AuditEvent.objects.filter(
        action="reminders.escalation_resolve", target_id=str(task.pk)
    ).exists()


def test_resolving_without_a_reason_is_refused_and_writes_nothing(
    login, leader, make_task
):
    escalation = escalate(make_task())
    response = login(leader).post(
        reverse("reminders:escalation-resolve", args=[escalation.pk]),
        {"resolution": "  "},
    )
    assert response.status_code == 400
    assert f'id="id_e{escalation.pk}_resolution_error"' in page(response)
    escalation.refresh_from_db()
    assert not escalation.resolved
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["member", "leadership_viewer"])
def test_viewers_may_not_resolve(request, login, role, make_task):
    escalation = escalate(make_task())
    response = login(request.getfixturevalue(role)).post(
        reverse("reminders:escalation-resolve", args=[escalation.pk]),
        {"resolution": "Xong"},
    )
    assert response.status_code == 403
    escalation.refresh_from_db()
    assert not escalation.resolved


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_outsiders_get_404_on_an_escalation(request, login, role, make_task):
    escalation = escalate(make_task())
    response = login(request.getfixturevalue(role)).post(
        reverse("reminders:escalation-resolve", args=[escalation.pk]),
        {"resolution": "Xong"},
    )
    assert response.status_code == 404


def test_home_shows_open_escalations_to_the_leader(login, leader, make_task):
    task = make_task()
    escalate(task)
    html = page(login(leader).get(reverse("core:home")))
    assert 'id="home-escalations"' in html
    assert task.code in html


def test_home_has_no_escalations_for_a_member(login, member, make_task):
    escalate(make_task())
    assert 'id="home-escalations"' not in page(login(member).get(reverse("core:home")))


def test_the_task_page_panel_shows_the_flag(rf, leader, make_task):
    task = make_task()
    escalate(task)
    Reminder.objects.create(
        task=task,
        kind=Reminder.Kind.URGING,
        deadline=task.deadline,
        seq=3,
        sent_on=D(2026, 3, 9),
        run="00000000-0000-0000-0000-000000000001",
    )
    panel = selectors.task_reminder_panel(user=leader, task=task)
    assert panel["flagged"] and panel["can_resolve"]
    html = render_to_string("reminders/task_escalation.html", {"panel": panel})
    assert 'id="task-flagged"' in html
    assert "09/03/2026" in html
    assert reverse("reminders:escalations") in html
