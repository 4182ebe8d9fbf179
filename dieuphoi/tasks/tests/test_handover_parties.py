"""Handover of the parts of co-operating parties outside the task's body
(issue 7 §3, §4): another province's department merged in the 2025 province
mergers hands its open parts to its successor, whose people (seats in their
own province's team, none in Hanoi's) are told, as for a Hanoi agency; the
part of another province's team that ended with its province moves to the
team of the province that succeeded it, whose members are told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from dieuphoi.audit.display import prepare_events
from dieuphoi.audit.models import AuditEvent
from dieuphoi.notifications.models import Notification
from dieuphoi.org import services as org_services
from dieuphoi.org.models import AgencySuccession, Membership
from dieuphoi.org.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from dieuphoi.tasks import handover, permissions, selectors
from dieuphoi.tasks.models import Task, TaskPart
from dieuphoi.tasks.tests.factories import TaskPartFactory

D = datetime.date
END = D(2025, 6, 30)
START = D(2025, 7, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def ext_agency(external):
    """The Bắc Ninh department of the external user (their home agency)."""
    return external.memberships.get().agency


@pytest.fixture
def old_department(db):
    """Bắc Giang's department, merged into Bắc Ninh's on 01/07/2025."""
    return AgencyFactory(
        code="STC-BG", name="Sở Tài chính tỉnh Bắc Giang", valid_to=END
    )


@pytest.fixture
def merger(old_department, ext_agency, admin_user):
    return org_services.succession_create(
        actor=admin_user,
        kind=AgencySuccession.Kind.MERGER,
        on=START,
        predecessors=[old_department],
        successors=[ext_agency],
        basis="Nghị quyết 202/2025/QH15",
    )


@pytest.fixture
def task(make_task, old_department, coop_agency):
    task = make_task(
        title="Kết nối hạ tầng liên tỉnh",
        assigned_on=D(2025, 3, 1),
        state=Task.State.IN_PROGRESS,
        seq=910_001,
    )
    TaskPartFactory(task=task, agency=old_department, description="Đoạn qua Bắc Giang")
    TaskPartFactory(task=task, agency=coop_agency)
    return task


def test_the_successor_departments_people_are_told(
    merger, task, external, ext_agency, coop_member, admin_user
):
    assert not permissions.can_view_task(external, task)
    result = handover.handover_commit(succession=merger, actor=admin_user)
    assert result.parts == 1
    assert TaskPart.objects.filter(task=task, agency=ext_agency).exists()
    assert result.notified == 1
    note = Notification.objects.get(kind=handover.NOTIFICATION_KIND)
    assert note.recipient == external
    assert note.target_id == task.pk and task.code in note.title
    assert note.url == reverse("tasks:detail", args=[task.pk])
    # Nobody of Hanoi's is told of another party's handover.
    assert not Notification.objects.filter(recipient=coop_member).exists()
    # The notice leads somewhere they may now go.
    permissions.clear_seat_cache(external)
    assert permissions.can_view_task(external, task)
    assert selectors.task_get(user=external, pk=task.pk).party_only


def test_every_person_of_the_successor_is_told_once(
    merger, task, external, ext_agency, other_team, admin_user
):
    colleague = UserFactory(username="bn-colleague")
    MembershipFactory(
        person=colleague,
        body=other_team,
        role=Membership.Role.SPECIALIST,
        agency=ext_agency,
        valid_from=D(2025, 7, 1),
    )
    handover.handover_commit(succession=merger, actor=admin_user)
    handover.handover_commit(succession=merger, actor=admin_user)
    assert sorted(
        Notification.objects.filter(kind=handover.NOTIFICATION_KIND).values_list(
            "recipient__username", flat=True
        )
    ) == ["bn-colleague", "external"]


# --- another province's team that ended with its province -------------------------


@pytest.fixture
def provinces(other_team):
    """Bắc Giang and Bắc Ninh (2022) merged into Bắc Ninh (2025): the Bắc
    Ninh team of the conftest is the 2025 unit's team; Bắc Giang's ended."""
    from dieuphoi.org.tests.factories import BodyFactory, UnitFactory

    bg = UnitFactory(key="bac-giang", name="Tỉnh Bắc Giang", valid_to=END)
    bn = UnitFactory(key="bac-ninh", name="Tỉnh Bắc Ninh", valid_from=START)
    bn.predecessors.set([bg])
    other_team.unit = bn
    other_team.valid_from = START
    other_team.save()
    old_team = BodyFactory(
        key="to-dieu-phoi-bac-giang",
        name="Tổ điều phối vùng tỉnh Bắc Giang",
        unit=bg,
        valid_from=D(2023, 1, 1),
        valid_to=END,
    )
    return old_team, other_team


@pytest.fixture
def team_task(make_task, provinces, coop_agency):
    old_team, _new = provinces
    task = make_task(
        title="Kết nối giao thông với Bắc Giang",
        assigned_on=D(2025, 3, 1),
        state=Task.State.IN_PROGRESS,
        seq=910_101,
    )
    TaskPartFactory(task=task, agency=None, body=old_team, description="Đoạn BG")
    TaskPartFactory(task=task, agency=coop_agency)
    return task


def test_the_successor_of_an_ended_team_is_its_provinces_team(provinces):
    old_team, new_team = provinces
    assert handover.team_successor(old_team) == new_team
    assert handover.team_successor(new_team) is None


def test_an_ended_teams_part_moves_and_the_successor_team_is_told(
    provinces, team_task, external, coop_member, member, admin_user
):
    old_team, new_team = provinces
    result = handover.team_handover_commit(team=old_team, actor=admin_user)
    assert (result.parts, result.merged, result.tasks) == (1, 0, [team_task])
    part = TaskPart.objects.get(task=team_task, description="Đoạn BG")
    assert part.body == new_team
    team_task.refresh_from_db()
    assert team_task.version == 2
    event = AuditEvent.objects.get(action=handover.ACTION, target_id=team_task.pk)
    assert event.changes == {
        "handover_from_team": old_team.pk,
        "handover_to_team": new_team.pk,
    }
    with translation.override("en"):
        (shown,) = prepare_events([event])
        rows = {r["label"]: r["after"] for r in shown.display_changes}
    assert rows == {"Handed over from": old_team.name, "to": new_team.name}
    # The new team's people (the external user) are told; Hanoi's are not.
    assert result.notified == 1
    note = Notification.objects.get(kind=handover.NOTIFICATION_KIND)
    assert note.recipient == external and note.target_id == team_task.pk
    assert str(new_team) in note.title
    assert not Notification.objects.filter(recipient__in=[coop_member, member]).exists()
    permissions.clear_seat_cache(external)
    assert permissions.can_view_task(external, team_task)
    # Idempotent.
    again = handover.team_handover_commit(team=old_team, actor=admin_user)
    assert again.tasks == [] and Notification.objects.count() == 1


def test_a_part_merges_into_the_successor_teams_own_part(
    provinces, team_task, external, admin_user
):
    _old, new_team = provinces
    TaskPartFactory(task=team_task, agency=None, body=new_team)
    result = handover.team_handover_commit(team=provinces[0], actor=admin_user)
    assert (result.parts, result.merged) == (0, 1)
    assert list(
        TaskPart.objects.filter(task=team_task, body__isnull=False).values_list(
            "body_id", flat=True
        )
    ) == [new_team.pk]
    assert Notification.objects.filter(recipient=external).count() == 1


def test_the_command_hands_the_ended_teams_parts_over(provinces, team_task, external):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("handover_successions", stdout=out)
    assert "1 task(s) handed over" in out.getvalue()
    assert TaskPart.objects.filter(task=team_task, body=provinces[1]).exists()
    assert Notification.objects.filter(recipient=external).count() == 1


def test_a_team_without_successor_is_a_clear_error(other_team, admin_user):
    with pytest.raises(ValidationError) as caught:
        handover.team_handover_commit(team=other_team, actor=admin_user)
    assert "succession" in caught.value.message_dict


def test_a_member_may_not_hand_a_team_over(provinces, team_task, member):
    with pytest.raises(PermissionDenied):
        handover.team_handover_commit(team=provinces[0], actor=member)
    assert TaskPart.objects.filter(task=team_task, body=provinces[0]).exists()
