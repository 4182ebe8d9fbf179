"""Each event source shows what the user may see, in a fixed number of
queries."""

import datetime

import pytest

from dieuphoi.calendars import sources
from dieuphoi.calendars.events import events_between
from dieuphoi.core.models import local_today
from dieuphoi.org.tests.factories import BodyFactory
from dieuphoi.proposals import services as proposal_services
from dieuphoi.tasks import services as task_services

from .conftest import make_tasks

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def window():
    today = local_today()
    return today - 30 * DAY, today + 90 * DAY


def uids(user, kind, **kw):
    start, end = window()
    return {e.uid for e in events_between(user, start, end, kinds=[kind], **kw)}


def task_uid(task):
    return sources.event_uid(f"task-{task.pk}-deadline")


# --- task deadlines ------------------------------------------------------------------


def test_member_sees_the_open_tasks_of_their_body(tasks, member):
    seen = uids(member, sources.TASK_DEADLINE)
    expected = {task_uid(t) for t in [*tasks["own"], tasks["shared"], tasks["overdue"]]}
    assert seen == expected  # not the completed one


def test_outsider_sees_no_event_of_any_kind(tasks, consultation, milestones, outsider):
    start, end = window()
    assert events_between(outsider, start, end) == []


def test_external_sees_only_the_tasks_shared_with_their_team(tasks, external):
    assert uids(external, sources.TASK_DEADLINE) == {task_uid(tasks["shared"])}


def test_task_event_is_all_day_with_overdue_marked(tasks, member):
    start, end = window()
    events = {
        e.uid: e
        for e in events_between(member, start, end, kinds=[sources.TASK_DEADLINE])
    }
    overdue = events[task_uid(tasks["overdue"])]
    assert overdue.all_day and overdue.start == tasks["overdue"].deadline
    assert overdue.extra["overdue"] is True
    assert events[task_uid(tasks["own"][0])].extra["overdue"] is False
    assert overdue.url == f"/tasks/{tasks['overdue'].pk}/"
    assert tasks["overdue"].title in overdue.title


def test_task_filters_by_body_and_agency(tasks, member, member_agency, other_team):
    team_id = tasks["shared"].body_id
    assert uids(member, sources.TASK_DEADLINE, body_ids=[other_team.pk]) == set()
    assert len(uids(member, sources.TASK_DEADLINE, body_ids=[team_id])) == 4
    assert len(uids(member, sources.TASK_DEADLINE, agency_ids=[member_agency.pk])) == 4
    assert uids(member, sources.TASK_DEADLINE, agency_ids=[987654]) == set()


def test_a_cooperating_agency_filters_its_tasks(tasks, member, standing_agency):
    from dieuphoi.tasks.tests.factories import TaskPartFactory

    TaskPartFactory(task=tasks["own"][0], agency=standing_agency)
    got = uids(member, sources.TASK_DEADLINE, agency_ids=[standing_agency.pk])
    assert got == {task_uid(tasks["own"][0])}


def test_sequence_counts_the_deadline_changes(tasks, member, secretariat):
    task = tasks["own"][0]
    start, end = window()

    def event():
        (found,) = [
            e
            for e in events_between(member, start, end, kinds=[sources.TASK_DEADLINE])
            if e.uid == task_uid(task)
        ]
        return found

    before = event()
    assert before.sequence == 0
    task.refresh_from_db()
    task_services.task_transition(
        actor=secretariat,
        task=task,
        action="change_deadline",
        reason="Điều chỉnh theo chỉ đạo",
        new_deadline=task.deadline + 7 * DAY,
    )
    after = event()
    assert after.uid == before.uid
    assert after.sequence == 1
    assert after.start == before.start + 7 * DAY


@pytest.mark.parametrize("n", [5, 50])
def test_task_source_queries_do_not_grow(
    team, member_agency, member, n, django_assert_max_num_queries
):
    make_tasks(team, member_agency, n)
    start, end = window()
    with django_assert_max_num_queries(3):
        events = sources.task_deadline_events(member, start, end)
    assert len(events) == n


# --- consultation deadlines ---------------------------------------------------------------


def test_round_deadline_seen_by_the_body_and_the_party_asked(
    consultation, member, external, outsider
):
    uid = sources.event_uid(f"round-{consultation.pk}-deadline")
    assert uids(member, sources.ROUND_DEADLINE) == {uid}
    assert uids(external, sources.ROUND_DEADLINE) == {uid}
    assert uids(outsider, sources.ROUND_DEADLINE) == set()


def test_round_not_asking_the_external_team_is_hidden_from_it(
    proposal, draft, secretariat, member_agency, external, member
):
    third = BodyFactory(name="Tổ điều phối tỉnh Phú Thọ")
    consultation = proposal_services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[member_agency, third],
        working_days=5,
    )
    assert uids(external, sources.ROUND_DEADLINE) == set()
    assert uids(member, sources.ROUND_DEADLINE) == {
        sources.event_uid(f"round-{consultation.pk}-deadline")
    }


def test_round_source_is_one_query(consultation, member, django_assert_max_num_queries):
    start, end = window()
    member.refresh_from_db()
    from dieuphoi.tasks.permissions import user_seats

    user_seats(member)
    with django_assert_max_num_queries(1):
        events = sources.round_deadline_events(member, start, end)
    assert len(events) == 1
    assert events[0].all_day and events[0].start == consultation.deadline


# --- key project milestones -----------------------------------------------------------


def test_open_milestones_seen_by_the_body_and_the_province_team(
    milestones, member, external, outsider
):
    expected = {
        sources.event_uid(f"milestone-{milestones[k].pk}") for k in ("late", "ahead")
    }
    assert uids(member, sources.MILESTONE) == expected  # not the done one
    # The project lies in Bắc Ninh: its team sees it.
    assert uids(external, sources.MILESTONE) == expected
    assert uids(outsider, sources.MILESTONE) == set()


def test_milestones_of_a_project_elsewhere_are_hidden_from_the_external_team(
    hanoi_only, secretariat, member_agency, external, member
):
    from dieuphoi.keyprojects import services as kp_services

    milestone = kp_services.milestone_add(
        actor=secretariat,
        project=hanoi_only,
        name="Khởi công",
        planned_on=local_today() + 10 * DAY,
        responsible_agency=member_agency,
    )
    assert uids(external, sources.MILESTONE) == set()
    assert uids(member, sources.MILESTONE) == {
        sources.event_uid(f"milestone-{milestone.pk}")
    }
    start, end = window()
    (ahead,) = events_between(member, start, end, kinds=[sources.MILESTONE])
    assert ahead.extra["overdue"] is False
