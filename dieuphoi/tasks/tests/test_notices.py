"""Everyone who must act is told, once; not the actor, not an outsider."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.notifications.models import EmailMode, Notification
from dieuphoi.notifications.services import preference_update
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.tasks import notices, services
from dieuphoi.tasks.extensions import services as extensions
from dieuphoi.tasks.models import Task

pytestmark = pytest.mark.django_db
START = datetime.date(2022, 12, 1)


@pytest.fixture
def owner(hanoi_team, standing_agency, member_agency):
    """Works at the lead agency; sits in the team for another agency, so is
    not one of the lead agency's focal points."""
    user = UserFactory(username="owner", agency=member_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=standing_agency,
        valid_from=START,
    )
    return user


@pytest.fixture
def everyone(
    leader, deputy, secretariat, member, coop_member, owner, outsider, external
):
    return {
        "leader": leader,
        "deputy": deputy,
        "secretariat": secretariat,
        "member": member,
        "coop": coop_member,
        "owner": owner,
        "outsider": outsider,
        "external": external,
    }


def told(kind=None) -> dict[str, int]:
    """``{username: count}`` of the notifications (of ``kind``)."""
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    counts: dict[str, int] = {}
    for name in rows.values_list("recipient__username", flat=True):
        counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.fixture
def assigned(
    everyone, secretariat, hanoi_team, member_agency, coop_agency, owner, today
):
    return services.task_create(
        actor=secretariat,
        body=hanoi_team,
        title="Rà soát quy hoạch vùng",
        assigned_on=today - datetime.timedelta(days=5),
        lead_agency=member_agency,
        cooperating=[{"agency": coop_agency}],
        owner=owner,
        deadline=today + datetime.timedelta(days=60),
    )


def fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


def test_assignment_tells_the_lead_the_co_operating_agency_and_the_owner(assigned):
    assert told() == {"member": 1, "coop": 1, "owner": 1}
    assert told("task_assigned") == told()
    row = Notification.objects.get(recipient__username="member")
    assert row.target_id == assigned.pk and row.url.endswith(f"/{assigned.pk}/")


def test_a_new_co_operating_part_is_told_to_that_agency(
    assigned, everyone, leader, hanoi_team
):
    from dieuphoi.org.tests.factories import AgencyFactory, BodyAgencyFactory

    Notification.objects.all().delete()
    agency = AgencyFactory(code="SCT", name="Sở Công Thương")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    focal = UserFactory(username="sct", agency=agency)
    MembershipFactory(
        person=focal,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=agency,
        valid_from=START,
    )
    parts = [{"agency": p.agency} for p in assigned.parts.all()]
    task = services.task_update(
        actor=leader,
        task=assigned,
        version=assigned.version,
        cooperating=[*parts, {"agency": agency, "description": "Điện"}],
    )
    assert told() == {"sct": 1}
    assert told("part_assigned") == {"sct": 1}
    # Changing the part tells its agency again; the others hear nothing.
    services.task_update(
        actor=leader,
        task=task,
        version=fresh(task).version,
        cooperating=[*parts, {"agency": agency, "description": "Điện và nước"}],
    )
    assert told() == {"sct": 2}


def test_an_edit_that_touches_no_party_tells_nobody(assigned, leader):
    Notification.objects.all().delete()
    services.task_update(
        actor=leader, task=assigned, version=assigned.version, title="Tên mới"
    )
    assert told() == {}


def test_a_new_lead_agency_is_told(assigned, leader, coop_agency):
    Notification.objects.all().delete()
    services.task_update(
        actor=leader,
        task=assigned,
        version=assigned.version,
        lead_agency=coop_agency,
        cooperating=[],
        owner=None,
    )
    assert told() == {"coop": 1}
    assert told("task_assigned") == {"coop": 1}


def test_progress_tells_the_owner_and_the_secretariat_in_the_digest(assigned, member):
    Notification.objects.all().delete()
    services.progress_report(
        actor=member, task=assigned, percent=40, text="Đã khảo sát"
    )
    assert told() == {"owner": 1, "secretariat": 1}
    assert told("progress_reported") == told()
    # The secretariat gets other notifications at once, progress in the digest.
    row = Notification.objects.get(recipient__username="secretariat")
    assert row.email_mode == EmailMode.DIGEST


def test_a_co_operating_partys_progress_tells_the_same_people(assigned, coop_member):
    Notification.objects.all().delete()
    services.progress_report(
        actor=coop_member, task=assigned, percent=30, text="Phần phối hợp"
    )
    assert told() == {"owner": 1, "secretariat": 1}


def test_reported_done_asks_the_secretariat_and_owner_to_confirm(assigned, member):
    Notification.objects.all().delete()
    services.task_transition(actor=member, task=assigned, action="report_done")
    assert told() == {"secretariat": 1, "owner": 1}
    assert told("task_reported_done") == told()


def test_the_owner_who_reports_done_is_not_told(assigned, owner):
    Notification.objects.all().delete()
    services.task_transition(actor=owner, task=assigned, action="report_done")
    assert told() == {"secretariat": 1}


@pytest.mark.parametrize(
    ("action", "kind"),
    [("confirm", "task_confirmed"), ("reopen", "task_returned")],
)
def test_the_decision_on_a_reported_task_tells_the_agencies(
    action, kind, assigned, member, secretariat
):
    services.task_transition(actor=member, task=assigned, action="report_done")
    Notification.objects.all().delete()
    services.task_transition(
        actor=secretariat, task=fresh(assigned), action=action, reason="Bổ sung số liệu"
    )
    assert told() == {"member": 1, "coop": 1, "owner": 1}
    assert told(kind) == told()


def test_cancelling_tells_the_agencies(assigned, leader):
    Notification.objects.all().delete()
    services.task_transition(
        actor=leader, task=assigned, action="cancel", reason="Trùng"
    )
    assert told("task_cancelled") == {"member": 1, "coop": 1, "owner": 1}


def test_a_deadline_change_tells_the_agencies(assigned, secretariat, today):
    Notification.objects.all().delete()
    services.task_transition(
        actor=secretariat,
        task=assigned,
        action="change_deadline",
        reason="Theo chỉ đạo",
        new_deadline=today + datetime.timedelta(days=90),
    )
    assert told("deadline_changed") == {"member": 1, "coop": 1, "owner": 1}
    title = Notification.objects.get(recipient__username="member").title
    assert (today + datetime.timedelta(days=90)).strftime("%d/%m/%Y") in title


def test_an_extension_decision_tells_the_requester_owner_and_lead(
    assigned, member, leader, today
):
    request = extensions.extension_request_create(
        actor=member,
        task=assigned,
        requested_deadline=today + datetime.timedelta(days=120),
        reason="Chờ ý kiến Bộ",
    )
    assert told("extension_requested") == {"leader": 1, "deputy": 1}
    Notification.objects.all().delete()
    extensions.extension_request_decide(
        actor=leader, task=fresh(assigned), extension=request, decision="approve"
    )
    # The deadline moved: the co-operating agency hears of it too.
    assert told() == {"member": 1, "owner": 1, "coop": 1}
    assert told("extension_decided") == told()


def test_a_refused_extension_tells_the_requester_owner_and_lead(
    assigned, member, leader, today
):
    request = extensions.extension_request_create(
        actor=member,
        task=assigned,
        requested_deadline=today + datetime.timedelta(days=120),
        reason="Chờ ý kiến Bộ",
    )
    Notification.objects.all().delete()
    extensions.extension_request_decide(
        actor=leader,
        task=fresh(assigned),
        extension=request,
        decision="refuse",
        reason="Không đủ căn cứ",
    )
    assert told("extension_decided") == {"member": 1, "owner": 1}
    assert told() == told("extension_decided")


def test_the_same_event_again_adds_nothing(assigned, member):
    services.task_transition(actor=member, task=assigned, action="report_done")
    before = Notification.objects.count()
    notices.task_transitioned(task=fresh(assigned), action="report_done", actor=member)
    notices.task_created(task=fresh(assigned), actor=None)
    assert Notification.objects.count() == before


def test_a_switched_off_kind_is_not_sent(assigned, member, secretariat):
    preference_update(
        user=secretariat, actor=secretariat, kinds={"progress_reported": "muted"}
    )
    Notification.objects.all().delete()
    services.progress_report(
        actor=member, task=assigned, percent=40, text="Đã khảo sát"
    )
    assert told() == {"owner": 1}


def test_a_must_act_kind_cannot_be_switched_off(secretariat):
    with pytest.raises(ValidationError) as caught:
        preference_update(
            user=secretariat, actor=secretariat, kinds={"task_reported_done": "muted"}
        )
    assert "kind_task_reported_done" in caught.value.message_dict


def test_a_per_kind_email_mode_is_honoured(assigned, member, owner):
    preference_update(user=owner, actor=owner, kinds={"progress_reported": "immediate"})
    Notification.objects.all().delete()
    services.progress_report(
        actor=member, task=assigned, percent=40, text="Đã khảo sát"
    )
    row = Notification.objects.get(recipient=owner)
    assert row.email_mode == EmailMode.IMMEDIATE
    assert row.event_email is not None


def test_a_failed_service_tells_nobody(assigned, member):
    Notification.objects.all().delete()
    with pytest.raises(ValidationError):
        services.progress_report(actor=member, task=assigned, percent=140, text="x")
    assert told() == {}


def test_another_provinces_team_as_a_party_is_told_through_its_members(
    everyone, secretariat, hanoi_team, other_team, member_agency, today
):
    from dieuphoi.org.tests.factories import AgencyFactory

    bn = AgencyFactory(code="STC-BN", name="Sở Tài chính Bắc Ninh")
    head = UserFactory(username="bn-leader", agency=bn)
    MembershipFactory(
        person=head,
        body=other_team,
        role=Membership.Role.LEADER,
        agency=bn,
        valid_from=START,
    )
    task = services.task_create(
        actor=secretariat,
        body=hanoi_team,
        title="Kết nối giao thông liên tỉnh",
        assigned_on=today - datetime.timedelta(days=1),
        lead_agency=member_agency,
        cooperating=[{"body": other_team, "description": "Đoạn qua Bắc Ninh"}],
        deadline=today + datetime.timedelta(days=60),
    )
    # Everyone of the team is told: its leader and its plain member.
    assert told() == {"member": 1, "bn-leader": 1, "external": 1}
    Notification.objects.all().delete()
    services.task_transition(
        actor=secretariat, task=task, action="cancel", reason="Dừng"
    )
    assert told("task_cancelled") == {"member": 1, "bn-leader": 1, "external": 1}
