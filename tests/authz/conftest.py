"""The world the authorization matrix is checked against.

The demo data (``manage.py seed_demo``: the Hanoi team with its leader,
deputy, secretariat, specialist and focal points, the city leadership viewer,
the administrator, a member of the Bắc Ninh team, tasks, a paper, an urging
letter, notifications, e-mails...) plus what it lacks: a Hanoi task shared
with the Bắc Ninh team, a third province's team with a task, a document and a
member nobody else sees, attached files, a comment, an escalation, API
tokens, a proposal with a consultation round.

``world`` maps each object reference of ``matrix.py`` ("task.own_agency",
"doc.other_body"...) to an id, and each role to a user (``None`` for
anonymous).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from dieuphoi.core.models import local_today

DEMO_USERS = {
    "member": "daumoi.sxd",
    "specialist": "chuyenvien",
    "secretariat": "thuky",
    "deputy": "photo",
    "leader": "truongto",
    "leadership": "lanhdao",
    "admin": "admin",
    "external": "bacninh",
}

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


@pytest.fixture
def authz_media(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def _docx() -> bytes:
    from docx import Document as Docx

    document = Docx()
    document.add_paragraph("I. Sự cần thiết")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def world(db, authz_media) -> World:
    from django.contrib.auth import get_user_model

    from dieuphoi.accounts.services import api_token_create
    from dieuphoi.discussions.services import comment_create
    from dieuphoi.docs.models import Document
    from dieuphoi.docs.tests.factories import DocumentFactory
    from dieuphoi.jobs.models import JobProgress
    from dieuphoi.letters.models import UrgingLetter
    from dieuphoi.notifications.models import Notification, OutgoingEmail
    from dieuphoi.org.models import (
        AdministrativeUnit,
        Agency,
        AgencySuccession,
        Body,
        Membership,
    )
    from dieuphoi.org.tests.factories import (
        AgencyFactory,
        BodyFactory,
        MembershipFactory,
        UserFactory,
    )
    from dieuphoi.paperwork.models import Paper
    from dieuphoi.proposals import services as proposal_services
    from dieuphoi.proposals.models import Proposal
    from dieuphoi.reminders.models import TaskEscalation
    from dieuphoi.tasks.models import ExtensionRequest, Task, TaskPart
    from dieuphoi.tasks.tests.factories import TaskFactory
    from dieuphoi.workdays.models import CalendarDay

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    User = get_user_model()
    w = World()
    w.users = {role: User.objects.get(username=u) for role, u in DEMO_USERS.items()}
    w.users["anonymous"] = None
    w.users["outsider"] = UserFactory(username="authz-outsider")
    member, secretariat = w.users["member"], w.users["secretariat"]

    hanoi = Body.objects.get(key="to-dieu-phoi-ha-noi")
    bac_ninh = Membership.objects.get(person=w.users["external"]).body
    sxd = Membership.objects.get(person=member).agency
    today = local_today()
    # A third province's team: nobody of the roles holds a seat in it.
    third = BodyFactory(key="to-dieu-phoi-authz-khac", name="Tổ điều phối tỉnh Khác")
    third_agency = AgencyFactory(code="AUTHZ-KHAC", name="Sở Xây dựng tỉnh Khác")
    third_person = UserFactory(username="authz-third")
    third_seat = MembershipFactory(
        person=third_person,
        body=third,
        role=Membership.Role.MEMBER,
        agency=third_agency,
        valid_from=datetime.date(2022, 12, 1),
    )

    open_states = [Task.State.IN_PROGRESS]
    own_agency = (
        Task.objects.filter(body=hanoi, lead_agency=sxd, state__in=open_states)
        .exclude(extension_requests__isnull=False)
        .order_by("pk")
        .first()
    )
    own_body = (
        Task.objects.filter(body=hanoi, state__in=open_states)
        .exclude(lead_agency=sxd)
        .exclude(parts__agency=sxd)
        .exclude(extension_requests__isnull=False)
        .order_by("pk")
        .first()
    )
    # The version the matrix's writes send.
    Task.objects.filter(pk__in=[own_agency.pk, own_body.pk]).update(version=1)
    party = TaskFactory(
        body=hanoi,
        seq=9001,
        lead_agency=own_body.lead_agency,
        assigned_on=today - datetime.timedelta(days=10),
        deadline=today + datetime.timedelta(days=60),
        original_deadline=today + datetime.timedelta(days=60),
    )
    TaskPart.objects.create(task=party, body=bac_ninh, description="Phần Bắc Ninh")
    other_body = TaskFactory(body=third, lead_agency=third_agency, seq=9002)
    pending = ExtensionRequest.objects.filter(state="pending").first()

    doc_own = Document.objects.filter(body=hanoi).order_by("pk").first()
    doc_other = DocumentFactory(body=third, issuer=third_agency)
    att_own = attach(secretariat, own_agency)
    att_other = attach(third_person, doc_other)
    comment = comment_create(actor=secretariat, target=own_body, text="Ý kiến thử.")
    escalation = TaskEscalation.objects.create(
        task=own_body,
        deadline=own_body.deadline or today,
        urge_count=3,
        escalated_on=today,
        reason="Thử nghiệm",
    )

    proposal = proposal_services.proposal_create(
        actor=secretariat,
        body=hanoi,
        kind=Proposal.Kind.SCHEME,
        title="Đề án thử quyền",
        scope=Proposal.Scope.REGIONAL_LINKAGE,
        proposed_on=today,
        lead_agency=sxd,
        summary="Thử",
    )
    draft = proposal_services.draft_add(
        actor=secretariat,
        proposal=proposal,
        uploaded_file=SimpleUploadedFile("du-thao.docx", _docx()),
    )
    draft2 = proposal_services.draft_add(
        actor=secretariat,
        proposal=proposal,
        uploaded_file=SimpleUploadedFile("du-thao-2.docx", _docx()),
    )
    consultation = proposal_services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft2,
        parties=[sxd, bac_ninh],
        working_days=5,
    )
    round_party = consultation.parties.order_by("pk").first()

    # Key projects: the Hanoi team's in Bắc Ninh (the external user's
    # province: read only for them), a third team's nobody of the roles sees.
    from dieuphoi.keyprojects import services as keyproject_services

    key_project = keyproject_services.project_create(
        actor=secretariat,
        body=hanoi,
        code="DA-AUTHZ",
        name="Dự án thử quyền",
        lead_agency=sxd,
        decided_on=today,
        starts_on=today - datetime.timedelta(days=30),
        locations=[bac_ninh.unit],
    )
    milestone = keyproject_services.milestone_add(
        actor=secretariat,
        project=key_project,
        name="Mốc thử quyền",
        planned_on=today,
        responsible_agency=sxd,
    )
    key_project_other = keyproject_services.project_create(
        actor=w.users["admin"],
        body=third,
        code="DA-KHAC",
        name="Dự án tỉnh Khác",
        lead_agency=third_agency,
        decided_on=today,
    )

    for role in ("member", "leader"):
        w.tokens[role] = api_token_create(user=w.users[role], name="authz")[0].pk
    email = OutgoingEmail.objects.order_by("pk").first()

    succession = AgencySuccession.objects.order_by("pk").first()
    w.ids = {
        "body.own": hanoi.pk,
        "body.other": third.pk,
        "agency.any": sxd.pk,
        "unit.any": AdministrativeUnit.objects.order_by("pk").first().pk,
        "succession.any": succession.pk,
        "agency.merged": succession.predecessors.order_by("pk").first().pk,
        "membership.own_body": Membership.objects.get(person=member).pk,
        "membership.other_body": third_seat.pk,
        "person.own_body": w.users["leader"].pk,
        "person.other_body": third_person.pk,
        "task.own_agency": own_agency.pk,
        "task.own_body": own_body.pk,
        "task.party": party.pk,
        "task.other_body": other_body.pk,
        "ext.own_body": pending.pk,
        "ext.task": pending.task_id,
        "doc.own_body": doc_own.pk,
        "doc.other_body": doc_other.pk,
        "att.own_body": att_own.pk,
        "att.other_body": att_other.pk,
        "comment.own_body": comment.pk,
        "escalation.own_body": escalation.pk,
        "paper.own_body": Paper.objects.filter(body=hanoi).order_by("pk").first().pk,
        "letter.own_body": UrgingLetter.objects.order_by("pk").first().pk,
        "notification.own": Notification.objects.filter(recipient=member).first().pk,
        "notification.other": Notification.objects.filter(recipient=w.users["leader"])
        .first()
        .pk,
        "email.any": email.pk,
        "job.own": str(JobProgress.objects.create(owner=secretariat, label="x").pk),
        "day.any": CalendarDay.objects.order_by("pk").first().pk,
        "token.own": w.tokens["member"],
        "token.other": w.tokens["leader"],
        "proposal.own_body": proposal.pk,
        "draft.own_body": draft.pk,
        "draft2.own_body": draft2.pk,
        "round.own_body": consultation.pk,
        "party.own_body": round_party.pk,
        "keyproject.own_body": key_project.pk,
        "keyproject.other_body": key_project_other.pk,
        "milestone.own_body": milestone.pk,
        "missing": 987654,
    }
    from . import (
        world_activities,
        world_calendars,
        world_inspections,
        world_matters,
        world_reports,
    )

    ctx = {
        "hanoi": hanoi,
        "bac_ninh": bac_ninh,
        "third": third,
        "third_agency": third_agency,
        "third_person": third_person,
        "sxd": sxd,
        "today": today,
        "secretariat": secretariat,
        "admin": w.users["admin"],
        "proposal": proposal,
        "key_project": key_project,
        "task": own_body,
    }
    for module in (
        world_matters,
        world_activities,
        world_inspections,
        world_calendars,
        world_reports,
    ):
        w.ids.update(module.build(w, **ctx))
    # Agencies are public to signed-in users; kept for the agency routes.
    assert Agency.objects.filter(pk=sxd.pk).exists()
    return w


def attach(actor, target):
    from dieuphoi.docs.services import attachment_add

    return attachment_add(
        actor=actor,
        target=target,
        uploaded_file=SimpleUploadedFile("Báo cáo.pdf", PDF),
    )
