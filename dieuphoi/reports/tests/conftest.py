"""Shared builders of the reports app's tests.

The month of June 2026 (Decree 09 window 15/05/2026 → 14/06/2026, cut-off
14/06) is played day by day with the clock frozen (``at``), through the
services, so every record is dated as in real use: ``report_world`` builds
the Hanoi team's tasks, urgings, an escalation, an extension, a proposal with
a round, matters, activities and key-project milestones in and around the
window, plus one task of another team; ``later_events(world)`` then does,
after the cut-off, everything that must not move a figure as of it.

Other helpers: add builders at the END of this file only.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from docx import Document as Docx
from freezegun import freeze_time

from dieuphoi.reports import periods

DAY = datetime.timedelta(days=1)
D = datetime.date


def june():
    """The June 2026 monthly period: 15/05/2026 → 14/06/2026 (its deadline
    reads the working-day table: call it with the database)."""
    return periods.period("monthly", 2026, 6)


AFTER = D(2026, 6, 20)  # the later events
COMPILED = D(2026, 6, 16)  # the first compilation, after the cut-off


def at(day: datetime.date):
    """Freeze the clock at noon, Hanoi time, on ``day``."""
    return freeze_time(f"{day.isoformat()} 05:00:00")


@pytest.fixture(autouse=True)
def _urls_loaded_before_freezing():
    """Load the URLconf (and the API schemas it imports) with the real
    clock: pydantic cannot build a schema while ``date`` is freezegun's."""
    get_resolver().url_patterns  # noqa: B018


@pytest.fixture
def report_media(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def report_body(hanoi_team, standing_agency, leader, deputy, secretariat, report_media):
    """The Hanoi team with the documents engine set up (kinds, profile)."""
    from dieuphoi.paperwork.models import IssuingProfile
    from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds

    seed_kinds()
    IssuingProfile.objects.create(body=hanoi_team, **HANOI_PROFILE)
    return hanoi_team


def docx_upload(*paragraphs: str, name: str = "du-thao.docx"):
    document = Docx()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def new_task(actor, body, lead, *, deadline, title, is_key=False):
    """A task assigned today (the clock must be frozen)."""
    from dieuphoi.tasks import services

    return services.task_create(
        actor=actor,
        body=body,
        title=title,
        assigned_on=datetime.date.today(),
        lead_agency=lead,
        deadline=deadline,
        is_key=is_key,
    )


def fresh(task):
    from dieuphoi.tasks.models import Task

    return Task.objects.get(pk=task.pk)


def transition(actor, task, action, **kw):
    from dieuphoi.tasks import services

    return services.task_transition(actor=actor, task=fresh(task), action=action, **kw)


def finish(member, secretariat, task, *, reported_on):
    """Reported done today (work done ``reported_on``), confirmed today."""
    transition(member, task, "report_done", reported_on=reported_on)
    transition(secretariat, task, "confirm")


def urge(task, day, seq):
    """An urging notice of the daily run sent on ``day``."""
    import uuid

    from dieuphoi.reminders.models import Reminder

    Reminder.objects.create(
        task=task,
        kind=Reminder.Kind.URGING,
        deadline=task.deadline,
        seq=seq,
        sent_on=day,
        run=uuid.uuid4(),
    )


def extend(member, leader, task, to):
    from dieuphoi.tasks.extensions import services as extensions

    request = extensions.extension_request_create(
        actor=member, task=fresh(task), requested_deadline=to, reason="Chờ ý kiến bộ"
    )
    return extensions.extension_request_decide(
        actor=leader, task=fresh(task), extension=request, decision="approve"
    )


@pytest.fixture
def report_world(
    report_body,
    other_team,
    standing_agency,
    member_agency,
    leader,
    secretariat,
    member,
    admin_user,
):
    from dieuphoi.activities.models import Activity, Conclusion
    from dieuphoi.activities.services import attendance_record
    from dieuphoi.keyprojects.models import KeyProject, Milestone
    from dieuphoi.matters import services as matters
    from dieuphoi.org.models import Membership
    from dieuphoi.org.tests.factories import (
        BodyAgencyFactory,
        MembershipFactory,
        UnitFactory,
        UserFactory,
    )
    from dieuphoi.proposals import services as proposals
    from dieuphoi.proposals.models import Proposal
    from dieuphoi.reminders.models import TaskEscalation

    body = report_body
    other_lead = BodyAgencyFactory(
        body=other_team, agency=member_agency, role="member"
    ).agency
    w: dict = {"body": body, "period": june()}
    # The standing agency's focal point reports its own tasks.
    w["standing_focal"] = UserFactory(username="stc-focal", agency=standing_agency)
    MembershipFactory(
        person=w["standing_focal"],
        body=body,
        role=Membership.Role.MEMBER,
        agency=standing_agency,
        valid_from=D(2022, 12, 1),
    )
    # Before the window: one task completed in it, one overdue in it.
    with at(D(2026, 4, 20)):
        w["old_done"] = new_task(
            secretariat, body, member_agency, deadline=D(2026, 5, 29), title="Cũ xong"
        )
        w["old_overdue"] = new_task(
            secretariat, body, member_agency, deadline=D(2026, 5, 11), title="Cũ trễ"
        )
        w["old_open"] = new_task(
            secretariat, body, standing_agency, deadline=None, title="Cũ đang làm"
        )
    with at(D(2026, 5, 14)):  # the day before the window: not in it
        w["before"] = new_task(
            secretariat, body, member_agency, deadline=D(2026, 7, 1), title="Trước kỳ"
        )
    with at(D(2026, 5, 18)):
        w["on_time"] = new_task(
            secretariat, body, member_agency, deadline=D(2026, 6, 5), title="Đúng hạn"
        )
        w["late"] = new_task(
            secretariat, body, standing_agency, deadline=D(2026, 5, 25), title="Trễ"
        )
        urge(w["old_overdue"], D(2026, 5, 18), 1)
    with at(D(2026, 5, 20)):
        w["key_open"] = new_task(
            secretariat,
            body,
            member_agency,
            deadline=D(2026, 6, 30),
            title="Trọng điểm đang làm",
            is_key=True,
        )
        w["key_overdue"] = new_task(
            secretariat,
            body,
            member_agency,
            deadline=D(2026, 6, 1),
            title="Trọng điểm quá hạn",
            is_key=True,
        )
        w["other_body"] = new_task(
            admin_user, other_team, other_lead, deadline=D(2026, 5, 21), title="Khác"
        )
    with at(D(2026, 5, 22)):
        w["cancelled"] = new_task(
            secretariat, body, member_agency, deadline=D(2026, 6, 10), title="Hủy"
        )
        urge(w["old_overdue"], D(2026, 5, 22), 2)
    with at(D(2026, 5, 25)):
        w["extended"] = new_task(
            secretariat, body, member_agency, deadline=D(2026, 6, 5), title="Gia hạn"
        )
        w["no_deadline"] = new_task(
            secretariat, body, member_agency, deadline=None, title="Không thời hạn"
        )
        urge(w["old_overdue"], D(2026, 5, 27), 3)
    with at(D(2026, 5, 28)):
        transition(secretariat, w["cancelled"], "cancel", reason="Không còn phù hợp")
        finish(member, secretariat, w["old_done"], reported_on=D(2026, 5, 27))
        TaskEscalation.objects.create(
            task=w["old_overdue"],
            deadline=w["old_overdue"].deadline,
            urge_count=3,
            escalated_on=D(2026, 5, 28),
            reason="Quá hạn sau 3 lần đôn đốc",
        )
    with at(D(2026, 6, 1)):
        finish(member, secretariat, w["on_time"], reported_on=D(2026, 6, 1))
    with at(D(2026, 6, 3)):
        finish(w["standing_focal"], secretariat, w["late"], reported_on=D(2026, 6, 2))
    with at(D(2026, 6, 4)):
        extend(member, leader, w["extended"], D(2026, 6, 30))
        urge(w["key_overdue"], D(2026, 6, 8), 1)

    # Proposals: one proposed and consulted in the window, one before it.
    with at(D(2026, 5, 4)):
        w["proposal_old"] = proposals.proposal_create(
            actor=secretariat,
            body=body,
            kind=Proposal.Kind.PLAN,
            title="Kế hoạch cũ",
            scope=Proposal.Scope.REGIONAL_SCALE,
            proposed_on=D(2026, 5, 4),
            lead_agency=member_agency,
        )
    with at(D(2026, 5, 19)):
        w["proposal"] = proposals.proposal_create(
            actor=secretariat,
            body=body,
            kind=Proposal.Kind.SCHEME,
            title="Đề án kết nối giao thông vùng",
            scope=Proposal.Scope.REGIONAL_LINKAGE,
            proposed_on=D(2026, 5, 19),
            lead_agency=member_agency,
        )
        draft = proposals.draft_add(
            actor=secretariat,
            proposal=w["proposal"],
            uploaded_file=docx_upload("I. Sự cần thiết", "Nội dung"),
        )
        w["round"] = proposals.round_open(
            actor=secretariat,
            proposal=w["proposal"],
            draft=draft,
            parties=[member_agency, standing_agency],
            working_days=5,
        )
    with at(D(2026, 5, 21)):
        party = w["round"].parties.get(agency=member_agency)
        proposals.answer_submit(actor=member, party=party, answer="agree")

    # Matters: raised in the window; one resolved, one escalated in it.
    unit = UnitFactory(key="hung-yen", name="Tỉnh Hưng Yên")
    with at(D(2026, 5, 16)):
        w["matter_resolved"] = matters.matter_create(
            actor=secretariat,
            body=body,
            title="Giải phóng mặt bằng Vành đai 4",
            raised_on=D(2026, 5, 16),
            provinces=[unit],
            raised_by_body=body,
        )
        w["matter_escalated"] = matters.matter_create(
            actor=secretariat,
            body=body,
            title="Ô nhiễm sông Nhuệ - Đáy",
            raised_on=D(2026, 5, 16),
            provinces=[unit],
            raised_by_body=body,
        )
        w["matter_open"] = matters.matter_create(
            actor=secretariat,
            body=body,
            title="Thoát nước vùng",
            raised_on=D(2026, 5, 16),
            provinces=[unit],
            raised_by_body=body,
        )
    with at(D(2026, 6, 2)):
        matters.transition(
            actor=secretariat,
            matter=w["matter_resolved"],
            action="resolve",
            resolution="Đã thống nhất phương án",
        )
        matters.transition(
            actor=leader,
            matter=w["matter_escalated"],
            action="escalate",
            reason="Vượt thẩm quyền",
        )

    # Activities: one held in the window (attendance recorded), one planned.
    start = datetime.datetime(2026, 6, 5, 2, 0, tzinfo=datetime.UTC)  # 09:00 Hà Nội
    w["meeting"] = Activity.objects.create(
        body=body,
        kind=Activity.Kind.JOINT_MEETING,
        title="Hội nghị các Tổ điều phối",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        response_deadline=D(2026, 6, 1),
    )
    w["visit"] = Activity.objects.create(
        body=body,
        kind=Activity.Kind.FIELD_VISIT,
        title="Khảo sát thực địa",
        starts_at=start + 5 * DAY,
        ends_at=start + 5 * DAY + datetime.timedelta(hours=3),
        response_deadline=D(2026, 6, 8),
    )
    with at(D(2026, 6, 5)):
        attendance_record(
            actor=secretariat, activity=w["meeting"], version=None, rows=[]
        )
    w["conclusion"] = Conclusion.objects.create(
        activity=w["meeting"], order=1, text="Giao Sở Xây dựng rà soát quy hoạch"
    )

    # Key projects: three milestones planned in the window.
    project = KeyProject.objects.create(
        body=body,
        code="DA-01",
        name="Đường Vành đai 4",
        lead_agency=member_agency,
        decided_on=D(2025, 1, 10),
    )
    w["project"] = project
    for name, planned, actual in (
        ("Khởi công", D(2026, 5, 20), D(2026, 5, 19)),
        ("Bàn giao mặt bằng", D(2026, 5, 30), D(2026, 6, 3)),
        ("Thông xe", D(2026, 6, 10), None),
        ("Nghiệm thu", D(2026, 7, 10), None),
    ):
        Milestone.objects.create(
            project=project,
            name=name,
            planned_on=planned,
            actual_on=actual,
            responsible_agency=member_agency,
        )
    return w


def later_events(w, *, member, secretariat, leader, standing_agency):
    """After the cut-off: everything that must not move a figure as of it."""
    from dieuphoi.keyprojects.models import Milestone
    from dieuphoi.matters import services as matters
    from dieuphoi.matters.models import Matter
    from dieuphoi.proposals import services as proposals
    from dieuphoi.reminders.models import TaskEscalation
    from dieuphoi.tasks import services

    with at(AFTER):
        finish(member, secretariat, w["key_overdue"], reported_on=AFTER)
        finish(member, secretariat, w["old_overdue"], reported_on=AFTER)
        extend(member, leader, w["key_open"], D(2026, 8, 30))
        transition(secretariat, w["no_deadline"], "cancel", reason="Gộp nhiệm vụ")
        urge(w["key_overdue"], AFTER, 2)
        TaskEscalation.objects.create(
            task=w["key_overdue"],
            deadline=w["key_overdue"].deadline,
            urge_count=3,
            escalated_on=AFTER,
            reason="Quá hạn",
        )
        task = fresh(w["extended"])
        services.task_update(
            actor=secretariat,
            task=task,
            version=task.version,
            lead_agency=standing_agency,
        )
        proposals.round_close(actor=secretariat, consultation=w["round"])
        matters.transition(
            actor=leader,
            matter=Matter.objects.get(pk=w["matter_escalated"].pk),
            action="reopen",
            reason="Hội đồng trả lại",
        )
        matters.transition(
            actor=secretariat,
            matter=w["matter_open"],
            action="resolve",
            resolution="Đã xử lý",
        )
        Milestone.objects.filter(name="Thông xe").update(actual_on=AFTER)
