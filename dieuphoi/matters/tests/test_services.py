"""Services of matters: create, update (version), log, each transition, the
links; bad input writes nothing; notifications to the owner and the teams."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.matters import services, workflow
from dieuphoi.matters.models import LogEntry, Matter
from dieuphoi.notifications.models import Notification

from .conftest import DAY, RAISED, make_matter

pytestmark = pytest.mark.django_db


def writes():
    return AuditEvent.objects.writes().count()


def test_create_numbers_and_notifies(external, ring, specialist):
    assert ring.code == f"VD-{RAISED.year}-001"
    assert ring.state == Matter.State.NEW
    kinds = set(
        Notification.objects.filter(kind="matter_shared").values_list(
            "recipient__username", flat=True
        )
    )
    # The owner and the Bắc Ninh team's user; never the actor (secretariat).
    assert kinds == {"specialist", "external"}
    assert AuditEvent.objects.filter(action="matters.create").count() == 1


def test_create_bad_input_writes_nothing(team, secretariat, units):
    before = (writes(), Matter.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.matter_create(
            actor=secretariat,
            body=team,
            title="",
            raised_on=datetime.date(2024, 1, 1),
            provinces=[units["ninh_binh"]],  # only from 01/07/2025
        )
    assert {"title", "provinces", "raised_by_agency"} <= set(exc.value.message_dict)
    assert (writes(), Matter.objects.count()) == before


def test_create_needs_a_manager(team, member, units):
    with pytest.raises(PermissionDenied):
        make_matter(team, member, [units["hanoi"]])


def test_update_version_conflict(ring, secretariat):
    updated = services.matter_update(
        actor=secretariat, matter=ring, version=ring.version, title="Tên mới"
    )
    assert updated.version == ring.version + 1
    before = writes()
    with pytest.raises(Conflict):
        services.matter_update(
            actor=secretariat, matter=ring, version=ring.version, title="Tên khác"
        )
    assert writes() == before
    assert Matter.objects.get(pk=ring.pk).title == "Tên mới"


def test_log_add_keeps_last_logged_on_and_notifies(ring, external, specialist):
    today = local_today()
    entry = services.log_add(
        actor=external,
        matter=ring,
        kind=LogEntry.Kind.CALL,
        occurred_on=today,
        summary="Gọi điện trao đổi về mặt bằng.",
    )
    ring.refresh_from_db()
    assert ring.last_logged_on == today
    assert entry.author == external
    assert Notification.objects.filter(kind="matter_log", recipient=specialist).exists()
    assert not Notification.objects.filter(
        kind="matter_log", recipient=external
    ).exists()
    # An older entry does not move the date back.
    services.log_add(
        actor=external,
        matter=ring,
        kind=LogEntry.Kind.MEETING,
        occurred_on=RAISED,
        summary="Cuộc họp trước đó.",
    )
    ring.refresh_from_db()
    assert ring.last_logged_on == today


def test_log_add_bad_input_writes_nothing(ring, secretariat, ninh_binh_team):
    before = (writes(), LogEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.log_add(
            actor=secretariat,
            matter=ring,
            kind="fax",
            occurred_on=RAISED - DAY,
            summary="",
            bodies=[ninh_binh_team],  # Ninh Bình is not concerned
        )
    assert set(exc.value.message_dict) == {"kind", "occurred_on", "summary", "bodies"}
    with pytest.raises(ValidationError):
        services.log_add(
            actor=secretariat,
            matter=ring,
            kind=LogEntry.Kind.CALL,
            occurred_on=local_today() + DAY,
            summary="Tương lai",
        )
    assert (writes(), LogEntry.objects.count()) == before


def test_log_by_a_body_not_concerned(ring, ninh_binh_user, outsider, leadership_viewer):
    for user in (ninh_binh_user, outsider, leadership_viewer):
        with pytest.raises(PermissionDenied):
            services.log_add(
                actor=user,
                matter=ring,
                kind=LogEntry.Kind.CALL,
                occurred_on=local_today(),
                summary="Không được phép",
            )
    assert LogEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["coordinate"], "coordinating"),
        (["coordinate", "resolve"], "resolved"),
        (["resolve"], "resolved"),
        (["coordinate", "escalate"], "escalated"),
        (["coordinate", "resolve", "close"], "closed"),
        (["escalate", "close"], "closed"),
        (["resolve", "close", "reopen"], "coordinating"),
    ],
)
def test_each_transition(ring, leader, path, final):
    matter = ring
    for action in path:
        matter = services.transition(
            actor=leader,
            matter=matter,
            action=action,
            version=matter.version,
            resolution="Đã thống nhất phương án bàn giao mặt bằng.",
            reason="Cần Hội đồng cho ý kiến.",
        )
    assert matter.state == final
    assert AuditEvent.objects.filter(action="matters.transition").count() == len(path)
    if final == "resolved":
        assert matter.resolved_on == local_today()
        assert matter.resolution


def test_transition_needs_text_and_writes_nothing(ring, leader):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=leader, matter=ring, action="resolve")
    assert "resolution" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=leader, matter=ring, action="escalate", reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.transition(actor=leader, matter=ring, action="close")
    assert writes() == before
    assert Matter.objects.get(pk=ring.pk).state == Matter.State.NEW


def test_transition_roles(ring, specialist, external, member):
    # Specialists coordinate; escalating is the leader's or deputy's.
    assert workflow.may(specialist, ring, "coordinate")
    assert not workflow.may(specialist, ring, "escalate")
    for user in (external, member):
        with pytest.raises(PermissionDenied):
            services.transition(actor=user, matter=ring, action="coordinate")


def test_transition_version_conflict(ring, leader):
    services.transition(actor=leader, matter=ring, action="coordinate", version=1)
    with pytest.raises(Conflict):
        services.transition(
            actor=leader, matter=ring, action="escalate", version=1, reason="x"
        )


def test_link_and_unlink(ring, secretariat, team, other_team):
    from dieuphoi.tasks.tests.factories import TaskFactory

    task = TaskFactory(body=team)
    services.link(actor=secretariat, matter=ring, kind="tasks", obj=task)
    assert list(ring.tasks.all()) == [task]
    services.unlink(actor=secretariat, matter=ring, kind="tasks", obj=task)
    assert not ring.tasks.exists()
    foreign = TaskFactory(body=other_team)
    with pytest.raises(ValidationError):
        services.link(actor=secretariat, matter=ring, kind="tasks", obj=foreign)
    assert (
        AuditEvent.objects.filter(action__in=["matters.link", "matters.unlink"]).count()
        == 2
    )
