"""The task page and list say how many working days a task is overdue, or
has left: one calendar walk for a page of rows, no query per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dieuphoi.core.models import local_today
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.templatetags import task_tags
from dieuphoi.tasks.tests.factories import TaskFactory
from dieuphoi.workdays import calendar

D = datetime.date


def test_the_text_says_overdue_left_or_today():
    with translation.override("en"):
        assert task_tags.deadline_distance_text(-3, overdue=True) == (
            "overdue by 3 working days"
        )
        assert task_tags.deadline_distance_text(-1, overdue=True) == (
            "overdue by 1 working day"
        )
        assert task_tags.deadline_distance_text(2, overdue=False) == (
            "2 working days left"
        )
        assert task_tags.deadline_distance_text(0, overdue=False) == "due today"
        assert task_tags.deadline_distance_text(None, overdue=False) == ""


@pytest.mark.django_db
def test_distances_of_a_page_count_working_days_across_tet(hanoi_team):
    on = D(2026, 2, 25)
    overdue = TaskFactory(
        body=hanoi_team, assigned_on=D(2026, 1, 5), deadline=D(2026, 2, 13)
    )
    ahead = TaskFactory(
        body=hanoi_team, assigned_on=D(2026, 1, 5), deadline=D(2026, 3, 2)
    )
    done = TaskFactory(
        body=hanoi_team,
        assigned_on=D(2026, 1, 5),
        deadline=D(2026, 2, 13),
        state=Task.State.COMPLETED,
        completed_on=D(2026, 2, 20),
    )
    none = TaskFactory(body=hanoi_team, assigned_on=D(2026, 1, 5), deadline=None)
    with translation.override("en"), CaptureQueriesContext(connection) as ctx:
        texts = task_tags.deadline_distances([overdue, ahead, done, none], on)
    assert len(ctx.captured_queries) == 0
    # Tết 14-22/02: 23, 24, 25/02 are the working days after 13/02.
    assert texts == {
        overdue.pk: "overdue by 3 working days",
        ahead.pk: "3 working days left",
    }


@pytest.mark.django_db
def test_the_list_and_the_page_show_the_working_days(
    login, secretariat, hanoi_team, member_agency, settings
):
    settings.LANGUAGE_CODE = "en"
    today = local_today()
    late = TaskFactory(
        body=hanoi_team,
        lead_agency=member_agency,
        assigned_on=today - datetime.timedelta(days=90),
        deadline=today - datetime.timedelta(days=20),
        urge_count=4,
    )
    # From the effective deadline (a deadline on a day off moves).
    days = calendar.working_days_between(
        calendar.effective_deadline(late.deadline), today
    )
    client = login(secretariat)
    with translation.override("en"):
        page = client.get(
            reverse("tasks:list"), headers={"Accept-Language": "en"}
        ).content.decode()
        detail = client.get(
            reverse("tasks:detail", args=[late.pk]), headers={"Accept-Language": "en"}
        ).content.decode()
    assert "task-deadline-distance" in page
    assert f"overdue by {days} working days" in page
    # The same urging count on the list and the page.
    assert "urged 4 times" in page
    assert 'id="task-urge-count">4<' in detail
    assert 'id="task-deadline-distance"' in detail
    assert f"overdue by {days} working days" in detail


@pytest.mark.django_db
def test_an_outsider_sees_no_task_page(login, outsider, hanoi_team):
    task = TaskFactory(body=hanoi_team)
    assert (
        login(outsider).get(reverse("tasks:detail", args=[task.pk])).status_code == 404
    )
