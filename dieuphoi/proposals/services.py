"""Writes of proposals and their consultation rounds.

Public names:

- ``proposal_create(*, actor, body, kind, title, scope, proposed_on,
  lead_agency, ...) -> Proposal`` and ``proposal_update(*, actor, proposal,
  version, **fields)``.
- ``draft_add(*, actor, proposal, uploaded_file, note="") -> ProposalDraft``
- ``round_open(*, actor, proposal, draft, parties, working_days,
  questions="", on=None) -> ConsultationRound``: with its request letter
  (a Công văn xin ý kiến drafted through ``paperwork``).
- ``answer_submit(*, actor, party, answer, comments, on=None)``: by whoever
  acts for the party (``tasks.notices.PartySeats``, the one rule).
- ``round_close(*, actor, round, on=None)``: silence is recorded as "no
  comment".
- ``comment_respond(*, actor, comment, version, response, text)``: a row of
  the synthesis table.
- ``proposal_transition(*, actor, proposal, action, version, comment="",
  document=None)`` and ``proposal_submit(...)`` (drafts the Tờ trình with
  the synthesis table as its annex).

Each validates first (``ValidationError`` keyed by field, nothing written),
checks the transition table (``workflow``) and the version (``Conflict``),
writes in one transaction with its audit event.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core import money
from dieuphoi.core.models import local_today
from dieuphoi.core.versioning import check_version, save_bumped
from dieuphoi.docs.services import attachment_add
from dieuphoi.org.models import AdministrativeUnit, Agency, Body
from dieuphoi.org.permissions import is_admin
from dieuphoi.org.selectors import body_leader
from dieuphoi.paperwork import content as c
from dieuphoi.paperwork.services import RecipientInput, clean_text, paper_create
from dieuphoi.tasks.services import lead_agency_error
from dieuphoi.workdays import calendar

from . import cache as proposal_cache
from . import workflow
from .models import (
    ConsultationRound,
    Proposal,
    ProposalDraft,
    ProposalStep,
    RoundComment,
    RoundParty,
)

ACTION_LABELS = {
    "proposals.create": _("Created the proposal"),
    "proposals.update": _("Edited the proposal"),
    "proposals.draft": _("Added a draft"),
    "proposals.round_open": _("Opened a consultation round"),
    "proposals.answer": _("Answered the consultation"),
    "proposals.round_close": _("Closed the consultation round"),
    "proposals.respond": _("Responded to a comment"),
    "proposals.task_assign": _("Assigned a task carrying out the proposal"),
    **{
        f"proposals.{t.action}": t.label
        for t in workflow.TRANSITIONS.values()
        if t.action != "consult"
    },
}

BUDGET_FIELDS = ("budget_central", "budget_city", "budget_provinces", "budget_other")
MAX_ROUND_DAYS = 60
MAX_PARTIES = 200
MAX_COMMENTS = 500
MAX_ANSWER_FILES = 10
TITLE_MAX = Proposal._meta.get_field("title").max_length


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _d(day: datetime.date) -> str:
    return c.dmy(day)


# --- proposals ----------------------------------------------------------------------


def _validate(
    *,
    body: Body,
    title: str,
    kind: str,
    scope: str,
    proposed_on: datetime.date | None,
    lead_agency: Agency | None,
    cooperating: Sequence[Agency],
    provinces: Sequence[AdministrativeUnit],
    budget: dict,
    budget_total: Any,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
) -> dict[str, Decimal | None]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not title:
        add("title", gettext("Write the title."))
    elif len(title) > TITLE_MAX:
        add(
            "title",
            gettext("The title is longer than %(n)d characters.") % {"n": TITLE_MAX},
        )
    if kind not in Proposal.Kind.values:
        add("kind", gettext("Choose the kind of proposal."))
    if scope not in Proposal.Scope.values:
        add("scope", gettext("Choose the scope: regional scale or regional linkage."))
    if proposed_on is None:
        add("proposed_on", gettext("Give the date of the proposal."))
    if lead_agency is None:
        add("lead_agency", gettext("Choose the lead agency."))
    elif proposed_on is not None:
        if not lead_agency.is_valid_on(proposed_on):
            add(
                "lead_agency",
                gettext("%(agency)s did not exist on %(date)s.")
                % {"agency": lead_agency, "date": _d(proposed_on)},
            )
        else:
            message = lead_agency_error(body, lead_agency)
            if message:
                add("lead_agency", message)
    for agency in cooperating:
        if lead_agency is not None and agency.pk == lead_agency.pk:
            add(
                "cooperating_agencies",
                gettext("%(agency)s leads; it cannot also co-operate.")
                % {"agency": agency},
            )
        elif proposed_on is not None and not agency.is_valid_on(proposed_on):
            add(
                "cooperating_agencies",
                gettext("%(agency)s did not exist on %(date)s.")
                % {"agency": agency, "date": _d(proposed_on)},
            )
    for unit in provinces:
        if proposed_on is not None and not unit.is_valid_on(proposed_on):
            add(
                "provinces",
                gettext("%(unit)s did not exist on %(date)s.")
                % {"unit": unit, "date": _d(proposed_on)},
            )
    if scope == Proposal.Scope.REGIONAL_SCALE and len(provinces) == 1:
        # domain.md §1: regional scale spans two provinces or more.
        add(
            "provinces",
            gettext(
                "A proposal of regional scale concerns two provinces or more; "
                "with one, choose regional linkage."
            ),
        )
    amounts = {
        name: money.parse_amount(budget.get(name), name, errors)
        for name in BUDGET_FIELDS
    }
    total = money.parse_amount(budget_total, "budget_total", errors)
    if total is not None and not errors.get("budget_total"):
        given = sum((a or Decimal(0) for a in amounts.values()), Decimal(0))
        if given != total:
            add(
                "budget_total",
                gettext(
                    "The sources add up to %(sum)s VND, not the total %(total)s VND."
                )
                % {"sum": money.vnd(given), "total": money.vnd(total)},
            )
    if starts_on and ends_on and ends_on < starts_on:
        add("ends_on", gettext("The end is before the start."))
    if errors:
        raise ValidationError(errors)
    return amounts


def proposal_create(
    *,
    actor,
    body: Body,
    kind: str,
    title: str,
    scope: str,
    proposed_on: datetime.date | None,
    lead_agency: Agency | None,
    summary: str = "",
    cooperating_agencies: Iterable[Agency] = (),
    provinces: Iterable[AdministrativeUnit] = (),
    sectors: Iterable = (),
    basis_documents: Iterable = (),
    budget: dict | None = None,
    budget_total: Any = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    beyond_city: bool = False,
) -> Proposal:
    title = clean_text(title, limit=TITLE_MAX)
    summary = clean_text(summary, multiline=True, limit=10_000)
    cooperating = list(cooperating_agencies)
    provinces = list(provinces)
    amounts = _validate(
        body=body,
        title=title,
        kind=kind,
        scope=scope,
        proposed_on=proposed_on,
        lead_agency=lead_agency,
        cooperating=cooperating,
        provinces=provinces,
        budget=budget or {},
        budget_total=budget_total,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    with transaction.atomic():
        proposal = Proposal.objects.create(
            body=body,
            kind=kind,
            title=title,
            summary=summary,
            scope=scope,
            proposed_on=proposed_on,
            lead_agency=lead_agency,
            starts_on=starts_on,
            ends_on=ends_on,
            beyond_city=beyond_city,
            created_by=_actor(actor),
            **amounts,
        )
        proposal.cooperating_agencies.set(cooperating)
        proposal.provinces.set(provinces)
        proposal.sectors.set(list(sectors))
        proposal.basis_documents.set(list(basis_documents))
        ProposalStep.objects.create(
            proposal=proposal,
            action="create",
            to_state=proposal.state,
            actor=_actor(actor),
        )
        audit_record(
            actor=actor,
            action="proposals.create",
            target=proposal,
            changes={"title": {"before": None, "after": title}},
        )
    return proposal


UPDATE_FIELDS = (
    "kind",
    "title",
    "summary",
    "scope",
    "proposed_on",
    "lead_agency",
    "starts_on",
    "ends_on",
    "beyond_city",
)


def proposal_update(*, actor, proposal: Proposal, version: int, **fields) -> Proposal:
    """Change the proposal's facts (drafters of its body, while it is being
    drafted, consulted on or reviewed by the team: once submitted, what the
    Chairman decided on stays as it was; every change is audited).
    ``fields`` as ``proposal_create``'s; a field left out keeps its value.
    Checks as at creation; a stale ``version`` raises ``Conflict``."""
    if not workflow.holds(actor, proposal, workflow.DRAFTER):
        raise PermissionDenied
    if proposal.state not in workflow.EDITABLE_STATES:
        raise ValidationError(
            {
                "state": [
                    gettext(
                        "A submitted proposal is no longer edited; it comes back "
                        "to draft if the Chairman returns it."
                    )
                ]
            }
        )
    unknown = set(fields) - {
        *UPDATE_FIELDS,
        "cooperating_agencies",
        "provinces",
        "sectors",
        "basis_documents",
        "budget",
        "budget_total",
    }
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = {name: getattr(proposal, name) for name in UPDATE_FIELDS}
    new = {**current, **{k: v for k, v in fields.items() if k in UPDATE_FIELDS}}
    new["title"] = clean_text(new["title"] or "", limit=TITLE_MAX)
    new["summary"] = clean_text(new["summary"] or "", multiline=True, limit=10_000)
    cooperating = list(
        fields["cooperating_agencies"]
        if "cooperating_agencies" in fields
        else proposal.cooperating_agencies.all()
    )
    provinces = list(
        fields["provinces"] if "provinces" in fields else proposal.provinces.all()
    )
    if "budget" in fields or "budget_total" in fields:
        budget = fields.get("budget") or {}
        budget_total = fields.get("budget_total")
    else:
        budget = {name: getattr(proposal, name) for name in BUDGET_FIELDS}
        budget_total = None
    amounts = _validate(
        body=proposal.body,
        title=new["title"],
        kind=new["kind"],
        scope=new["scope"],
        proposed_on=new["proposed_on"],
        lead_agency=new["lead_agency"],
        cooperating=cooperating,
        provinces=provinces,
        budget=budget,
        budget_total=budget_total,
        starts_on=new["starts_on"],
        ends_on=new["ends_on"],
    )
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        check_version(locked, version)
        changes = {}
        for name in UPDATE_FIELDS:
            before, after = getattr(locked, name), new[name]
            if before != after:
                changes[name] = {"before": str(before), "after": str(after)}
            setattr(locked, name, after)
        for name, amount in amounts.items():
            if getattr(locked, name) != amount:
                changes[name] = {
                    "before": str(getattr(locked, name)),
                    "after": str(amount),
                }
            setattr(locked, name, amount)
        save_bumped(locked, [*UPDATE_FIELDS, *BUDGET_FIELDS, "updated_at"])
        locked.cooperating_agencies.set(cooperating)
        locked.provinces.set(provinces)
        if "sectors" in fields:
            locked.sectors.set(list(fields["sectors"]))
        if "basis_documents" in fields:
            locked.basis_documents.set(list(fields["basis_documents"]))
        audit_record(
            actor=actor, action="proposals.update", target=locked, changes=changes
        )
    return locked


# --- drafts ------------------------------------------------------------------------

# A numbered heading of a draft: "I.", "1.", "a)", "Điều 3.", "Chương II",
# "Mục 2" at the start of a short paragraph.
HEADING_RE = re.compile(
    r"^(?:(?:Phần|Chương|Mục|Điều)\s+[0-9IVXLC]+\.?|[IVXLC]+\.|\d+(?:\.\d+)*\.|[a-zđ]\))\s+\S",
    re.IGNORECASE,
)


def docx_text(data: bytes) -> tuple[str, list[str]]:
    """The paragraphs of a DOCX (text for the diff) and its numbered headings."""
    from docx import Document as Docx

    document = Docx(io.BytesIO(data))
    lines: list[str] = []
    sections: list[str] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        lines.append(text)
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        if (style.startswith("Heading") or HEADING_RE.match(text)) and len(text) <= 200:
            sections.append(text)
    return "\n".join(lines), sections


def draft_add(
    *, actor, proposal: Proposal, uploaded_file, note: str = ""
) -> ProposalDraft:
    """A new draft (DOCX or PDF); earlier drafts are kept."""
    if not workflow.holds(actor, proposal, workflow.DRAFTER):
        raise PermissionDenied
    if proposal.state not in (Proposal.State.DRAFT, Proposal.State.CONSULTATION,
                              Proposal.State.TEAM_REVIEW):  # fmt: skip
        raise ValidationError(
            {"file": [gettext("Drafts are added before the proposal is submitted.")]}
        )
    name = (getattr(uploaded_file, "name", "") or "").lower()
    if uploaded_file is None or not name.endswith((".docx", ".pdf")):
        raise ValidationError(
            {"file": [gettext("A draft is a Word (.docx) or PDF file.")]}
        )
    text, sections = "", []
    if name.endswith(".docx"):
        data = uploaded_file.read()
        uploaded_file.seek(0)
        try:
            text, sections = docx_text(data)
        except Exception:  # any parser error: a broken file
            raise ValidationError(
                {"file": [gettext("This Word file cannot be read.")]}
            ) from None
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        attachment = attachment_add(
            actor=actor, target=locked, uploaded_file=uploaded_file
        )
        last = (
            locked.drafts.order_by("-number").values_list("number", flat=True).first()
        )
        draft = ProposalDraft.objects.create(
            proposal=locked,
            number=(last or 0) + 1,
            attachment=attachment,
            text=text,
            sections=sections[:300],
            note=clean_text(note, limit=500),
            created_by=_actor(actor),
        )
        audit_record(
            actor=actor,
            action="proposals.draft",
            target=locked,
            changes={"draft": {"before": last, "after": draft.number}},
        )
    return draft


# --- consultation rounds ------------------------------------------------------------


def _party_name(agency: Agency | None, body: Body | None) -> str:
    return agency.name if agency is not None else body.name


def round_open(
    *,
    actor,
    proposal: Proposal,
    draft: ProposalDraft | None,
    parties: Iterable[Agency | Body],
    working_days: int,
    questions: str = "",
    on: datetime.date | None = None,
    version: int | None = None,
) -> ConsultationRound:
    """Ask ``parties`` about ``draft`` until ``working_days`` working days
    after ``on``; the request letter is drafted through the documents engine
    for the leader to sign."""
    on = on or local_today()
    parties = list(parties)
    questions = clean_text(questions, multiline=True, limit=10_000)
    errors: dict[str, list[str]] = {}
    if proposal.state not in (Proposal.State.DRAFT, Proposal.State.CONSULTATION):
        errors.setdefault("state", []).append(
            gettext("Consultation rounds are opened while the proposal is drafted.")
        )
    if not workflow.holds(actor, proposal, workflow.DRAFTER):
        raise PermissionDenied
    if draft is None or draft.proposal_id != proposal.pk:
        errors.setdefault("draft", []).append(gettext("Choose the draft to ask about."))
    if not parties:
        errors.setdefault("parties", []).append(
            gettext("Choose at least one party to ask.")
        )
    if len(parties) > MAX_PARTIES:
        errors.setdefault("parties", []).append(
            gettext("Too many parties in one round.")
        )
    seen: set[tuple[str, int]] = set()
    for party in parties:
        key = ("body" if isinstance(party, Body) else "agency", party.pk)
        if key in seen:
            errors.setdefault("parties", []).append(
                gettext("%(party)s is chosen twice.") % {"party": party}
            )
        seen.add(key)
        if isinstance(party, Body) and party.pk == proposal.body_id:
            errors.setdefault("parties", []).append(
                gettext("The team cannot ask itself.")
            )
        elif not party.is_valid_on(on):
            errors.setdefault("parties", []).append(
                gettext("%(party)s did not exist on %(date)s.")
                % {"party": party, "date": _d(on)}
            )
    if on < local_today():
        errors.setdefault("on", []).append(
            gettext("A round cannot be opened in the past.")
        )
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_ROUND_DAYS:
        errors.setdefault("working_days", []).append(
            gettext("Give between 1 and %(n)d working days to answer.")
            % {"n": MAX_ROUND_DAYS}
        )
    if errors:
        raise ValidationError(errors)
    deadline = calendar.add_working_days(on, days)
    from dieuphoi.paperwork.models import PaperKind
    from dieuphoi.paperwork.seed import seed_kinds

    kind = PaperKind.objects.filter(key="cong-van").first() or seed_kinds()[0]
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        check_version(locked, version)
        if locked.state not in (Proposal.State.DRAFT, Proposal.State.CONSULTATION):
            raise ValidationError(
                {"state": [gettext("The proposal moved on meanwhile.")]}
            )
        number = (
            locked.rounds.order_by("-number").values_list("number", flat=True).first()
            or 0
        ) + 1
        consultation = ConsultationRound.objects.create(
            proposal=locked,
            number=number,
            draft=draft,
            opened_on=on,
            working_days=days,
            deadline=deadline,
            questions=questions,
            created_by=_actor(actor),
        )
        proposal_cache.bump_proposals()  # bulk_create sends no signal
        RoundParty.objects.bulk_create(
            [
                RoundParty(
                    round=consultation,
                    agency=p if isinstance(p, Agency) else None,
                    party_body=p if isinstance(p, Body) else None,
                    name=p.name,
                )
                for p in parties
            ]
        )
        signer = body_leader(locked.body_id, on)
        if signer is not None:
            consultation.request_paper = paper_create(
                actor=actor,
                body=locked.body,
                kind=kind,
                subject=f"xin ý kiến về {locked.title}"[:500],
                blocks=_request_blocks(locked, consultation),
                recipients=[
                    RecipientInput(
                        text=p.name,
                        agency=p if isinstance(p, Agency) else None,
                        party_body=p if isinstance(p, Body) else None,
                    )
                    for p in parties
                ],
                authority="TM",
                signer=signer,
                producer="proposals.round",
                source=consultation,
            )
            consultation.save(update_fields=["request_paper"])
        before = locked.state
        if locked.state == Proposal.State.DRAFT:
            locked.state = Proposal.State.CONSULTATION
            save_bumped(locked, ["state"])
        ProposalStep.objects.create(
            proposal=locked,
            action="consult",
            from_state=before,
            to_state=locked.state,
            actor=_actor(actor),
            paper=consultation.request_paper,
        )
        audit_record(
            actor=actor,
            action="proposals.round_open",
            target=locked,
            changes={
                "round": {"before": None, "after": number},
                "parties": {"before": None, "after": len(parties)},
                "deadline": {"before": None, "after": deadline},
            },
        )
        from . import notices

        notices.round_opened(consultation=consultation, actor=actor)
    return consultation


def _request_blocks(proposal: Proposal, consultation: ConsultationRound) -> list:
    blocks = [
        c.Paragraph(
            text=(
                f"Thực hiện nhiệm vụ đề xuất cơ chế, chính sách, kế hoạch, chương trình, "
                f"đề án, nhiệm vụ, dự án có quy mô vùng, tính chất liên kết vùng, Tổ điều "
                f"phối đã dự thảo {proposal.get_kind_display().lower()} “{proposal.title}” "
                f"(dự thảo lần {consultation.draft.number}, gửi kèm)."
            )
        ),
        c.Paragraph(
            text=(
                "Để hoàn thiện dự thảo, Tổ điều phối đề nghị Quý cơ quan nghiên cứu, "
                "góp ý bằng văn bản (theo từng mục của dự thảo) và gửi về Tổ điều phối "
                f"trước ngày {_d(consultation.deadline)}, đồng thời cập nhật ý kiến trên "
                "Hệ thống điều phối Vùng Thủ đô. Sau thời hạn trên, nếu không nhận được ý "
                "kiến, Tổ điều phối xin được hiểu là Quý cơ quan thống nhất với dự thảo."
            )
        ),
    ]
    if consultation.questions:
        blocks.append(c.Paragraph(text="Các nội dung đề nghị tập trung cho ý kiến:"))
        blocks += [
            c.Paragraph(text=line.strip())
            for line in consultation.questions.splitlines()
            if line.strip()
        ]
    blocks.append(c.Paragraph(text="Trân trọng cảm ơn sự phối hợp của Quý cơ quan./."))
    return blocks


def acts_for(user, party: RoundParty) -> bool:
    """Whether ``user`` answers for ``party`` (the tasks' rule of who acts
    for an agency or another province's team)."""
    from dieuphoi.tasks.notices import PartySeats

    if not getattr(user, "is_authenticated", False):
        return False
    body_id = party.round.proposal.body_id
    seats = PartySeats.load(
        local_today(),
        bodies=[body_id],
        party_bodies=[party.party_body_id] if party.party_body_id else [],
        party_agencies=[party.agency_id] if party.agency_id else [],
    )
    return user.pk in seats.party(body_id, party.agency_id, party.party_body_id)


def answer_submit(
    *,
    actor,
    party: RoundParty,
    answer: str,
    comments: Iterable[tuple[str, str]] = (),
    on: datetime.date | None = None,
    version: int | None = None,
    files: Iterable = (),
) -> RoundParty:
    """The party's answer (once; a second answer is refused), with its
    files (``files``: uploaded files, stored as the party's attachments in
    the same transaction: a bad file refuses the whole answer). After the
    deadline or the close it is kept and flagged late, unless the setting
    ``PROPOSAL_ACCEPT_LATE_ANSWERS`` is off."""
    on = on or local_today()
    if not acts_for(actor, party) and not is_admin(actor):
        raise PermissionDenied
    comments = [
        (clean_text(section, limit=300), clean_text(text, multiline=True, limit=10_000))
        for section, text in comments
    ]
    comments = [(s, t) for s, t in comments if t]
    errors: dict[str, list[str]] = {}
    if answer not in (
        RoundParty.Answer.AGREE,
        RoundParty.Answer.AGREE_COMMENTS,
        RoundParty.Answer.DISAGREE,
    ):
        errors.setdefault("answer", []).append(gettext("Choose the answer."))
    if (
        answer in (RoundParty.Answer.AGREE_COMMENTS, RoundParty.Answer.DISAGREE)
        and not comments
    ):
        errors.setdefault("comments", []).append(
            gettext("Write the comments (at least one) behind this answer.")
        )
    files = list(files)
    if len(files) > MAX_ANSWER_FILES:
        errors.setdefault("files", []).append(
            gettext("At most %(n)d files with one answer.") % {"n": MAX_ANSWER_FILES}
        )
    if len(comments) > MAX_COMMENTS:
        errors.setdefault("comments", []).append(
            gettext("Too many comments in one answer.")
        )
    consultation = party.round
    accept_late = bool(getattr(settings, "PROPOSAL_ACCEPT_LATE_ANSWERS", True))
    closed = consultation.state == ConsultationRound.State.CLOSED
    if closed and not accept_late:
        errors.setdefault("answer", []).append(gettext("The round is closed."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (
            RoundParty.objects.select_for_update()
            .select_related("round")
            .get(pk=party.pk)
        )
        check_version(locked, version)
        if locked.answered:
            raise ValidationError(
                {"answer": [gettext("This party has already answered.")]}
            )
        locked.answer = answer
        locked.answered_on = on
        locked.answered_by = _actor(actor)
        locked.late = closed or on > locked.round.deadline
        save_bumped(locked, ["answer", "answered_on", "answered_by", "late"])
        RoundComment.objects.bulk_create(
            [
                RoundComment(party=locked, position=i, section=section, text=text)
                for i, (section, text) in enumerate(comments, 1)
            ]
        )
        for uploaded in files:
            attachment_add(actor=actor, target=locked, uploaded_file=uploaded)
        audit_record(
            actor=actor,
            action="proposals.answer",
            target=locked.round.proposal,
            changes={
                "party": {"before": None, "after": locked.name},
                "answer": {"before": None, "after": answer},
                "comments": {"before": None, "after": len(comments)},
                "late": {"before": None, "after": locked.late},
                "files": {"before": None, "after": [f.name for f in files]},
            },
        )
    return locked


def round_close(
    *, actor, consultation: ConsultationRound, on: datetime.date | None = None
) -> ConsultationRound:
    """Close the round: a party that did not answer is recorded as "no
    comment" (silence means agreement), marked as such."""
    on = on or local_today()
    if not workflow.holds(actor, consultation.proposal, workflow.DRAFTER):
        raise PermissionDenied
    with transaction.atomic():
        locked = ConsultationRound.objects.select_for_update().get(pk=consultation.pk)
        if locked.state == ConsultationRound.State.CLOSED:
            raise ValidationError({"state": [gettext("The round is already closed.")]})
        silent = locked.parties.filter(answer="").update(
            answer=RoundParty.Answer.SILENT, version=F("version") + 1
        )
        proposal_cache.bump_proposals()  # the update sends no signal
        locked.state = ConsultationRound.State.CLOSED
        locked.closed_on = on
        save_bumped(locked, ["state", "closed_on"])
        audit_record(
            actor=actor,
            action="proposals.round_close",
            target=locked.proposal,
            changes={
                "round": {"before": None, "after": locked.number},
                "silent": {"before": None, "after": silent},
            },
        )
    return locked


def comment_respond(
    *, actor, comment: RoundComment, version: int, response: str, text: str
) -> RoundComment:
    """The lead agency's response to one comment (a synthesis table row)."""
    proposal = comment.party.round.proposal
    from dieuphoi.tasks.notices import PartySeats

    seats = PartySeats.load(
        local_today(),
        bodies=[proposal.body_id],
        party_agencies=[proposal.lead_agency_id],
    )
    lead_people = seats.agency(proposal.body_id, proposal.lead_agency_id)
    if not (
        workflow.holds(actor, proposal, workflow.DRAFTER) or actor.pk in lead_people
    ):
        raise PermissionDenied
    text = clean_text(text, multiline=True, limit=10_000)
    errors: dict[str, list[str]] = {}
    if response not in RoundComment.Response.values:
        errors["response"] = [
            gettext("Choose: accepted, partly accepted or explained.")
        ]
    if (
        response in (RoundComment.Response.PARTLY, RoundComment.Response.EXPLAINED)
        and not text
    ):
        errors["response_text"] = [
            gettext("Say what is taken and why the rest is not.")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = RoundComment.objects.select_for_update().get(pk=comment.pk)
        check_version(locked, version)
        before = (locked.response, locked.response_text)
        locked.response = response
        locked.response_text = text
        locked.responded_by = _actor(actor)
        locked.responded_at = timezone.now()
        save_bumped(
            locked, ["response", "response_text", "responded_by", "responded_at"]
        )
        audit_record(
            actor=actor,
            action="proposals.respond",
            target=proposal,
            changes={
                "comment": {"before": None, "after": locked.pk},
                "response": {"before": before[0], "after": response},
            },
        )
    return locked


# --- the workflow -------------------------------------------------------------------


def proposal_transition(
    *,
    actor,
    proposal: Proposal,
    action: str,
    version: int,
    comment: str = "",
    document=None,
    paper=None,
) -> Proposal:
    transition = workflow.TRANSITIONS.get(action)
    if transition is None or action in ("consult", "submit"):
        raise ValidationError({"action": [gettext("Unknown action.")]})
    comment = clean_text(comment, multiline=True, limit=4000)
    if not workflow.may(actor, proposal, action):
        if proposal.state not in transition.sources:
            raise ValidationError(
                {
                    "state": [
                        gettext("This cannot be done in the proposal's present state.")
                    ]
                }
            )
        if action == "forward" and not proposal.beyond_city:
            raise ValidationError(
                {
                    "state": [
                        gettext(
                            "Only a proposal beyond the city's competence goes to the Council."
                        )
                    ]
                }
            )
        raise PermissionDenied
    if transition.needs_document and document is None:
        raise ValidationError(
            {"document": [gettext("Choose the document that carries this decision.")]}
        )
    if (
        action == "review"
        and proposal.rounds.filter(state=ConsultationRound.State.OPEN).exists()
    ):
        raise ValidationError(
            {"state": [gettext("Close the open consultation rounds first.")]}
        )
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        check_version(locked, version)
        if not workflow.may(actor, locked, action):
            raise ValidationError(
                {"state": [gettext("The proposal moved on meanwhile.")]}
            )
        before = locked.state
        locked.state = transition.target
        save_bumped(locked, ["state"])
        ProposalStep.objects.create(
            proposal=locked,
            action=action,
            from_state=before,
            to_state=locked.state,
            actor=_actor(actor),
            document=document,
            paper=paper,
            comment=comment,
        )
        audit_record(
            actor=actor,
            action=f"proposals.{action}",
            target=locked,
            changes={"state": {"before": before, "after": locked.state}},
        )
    return locked


def proposal_submit(
    *, actor, proposal: Proposal, version: int, comment: str = ""
) -> Proposal:
    """Submit to the Chairman: drafts the Tờ trình (documents engine) with
    the synthesis table of the closed rounds as its landscape annex; the
    leader then approves and the secretariat issues it as any paper."""
    from dieuphoi.paperwork.models import Paper, PaperKind
    from dieuphoi.paperwork.seed import seed_kinds

    if not workflow.may(actor, proposal, "submit"):
        if proposal.state != Proposal.State.TEAM_REVIEW:
            raise ValidationError(
                {
                    "state": [
                        gettext("This cannot be done in the proposal's present state.")
                    ]
                }
            )
        raise PermissionDenied
    from . import selectors

    kind = PaperKind.objects.filter(key="to-trinh").first()
    if kind is None:
        seed_kinds()
        kind = PaperKind.objects.get(key="to-trinh")
    rows = selectors.synthesis_rows(proposal=proposal)
    annexes = []
    if rows:
        annexes.append(
            c.Annex(
                title="Phụ lục",
                subtitle="BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN",
                note=f"(Kèm theo Tờ trình về {proposal.title})",
                landscape=True,
                blocks=(selectors.synthesis_table(rows),),
            )
        )
    authority = Paper.Authority.TM
    from dieuphoi.org.permissions import roles_in

    if workflow.Role.DEPUTY in roles_in(
        actor, proposal.body_id
    ) and workflow.Role.LEADER not in roles_in(actor, proposal.body_id):
        authority = Paper.Authority.KT
    with transaction.atomic():
        paper = paper_create(
            actor=actor,
            body=proposal.body,
            kind=kind,
            subject=proposal.title,
            blocks=selectors.submission_blocks(proposal=proposal),
            annexes=annexes,
            recipients=[RecipientInput(text="Chủ tịch Ủy ban nhân dân Thành phố")],
            authority=authority,
            signer=actor,
            producer="proposals.submission",
            source=proposal,
        )
        transition = workflow.TRANSITIONS["submit"]
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        check_version(locked, version)
        before = locked.state
        locked.state = transition.target
        save_bumped(locked, ["state"])
        ProposalStep.objects.create(
            proposal=locked,
            action="submit",
            from_state=before,
            to_state=locked.state,
            actor=_actor(actor),
            paper=paper,
            comment=clean_text(comment, multiline=True, limit=4000),
        )
        audit_record(
            actor=actor,
            action="proposals.submit",
            target=locked,
            changes={
                "state": {"before": before, "after": locked.state},
                "paper": {"before": None, "after": paper.pk},
            },
        )
    return locked


def proposal_task_assign(
    *,
    actor,
    proposal: Proposal,
    title: str,
    lead_agency: Agency,
    deadline: datetime.date | None = None,
    cooperating: Iterable[Any] = (),
    description: str = "",
    is_key: bool = False,
    on: datetime.date | None = None,
):
    """Assign a task that carries out an adopted proposal: the proposal is the
    task's source (``dieuphoi.tasks.sources``), the decision that adopted it
    its source document, the proposal's provinces and first sector its own.
    The first task moves the proposal into implementation (a step, audited).
    Who may: the recorders of the proposal's body (leader, deputy,
    secretariat), who are also who may assign tasks."""
    from dieuphoi.tasks.services import task_create

    on = on or local_today()
    if not workflow.holds(actor, proposal, workflow.RECORDER):
        raise PermissionDenied
    if proposal.state not in (Proposal.State.ADOPTED, Proposal.State.IMPLEMENTATION):
        raise ValidationError(
            {"state": [gettext("Tasks are assigned once the proposal is adopted.")]}
        )
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.state not in (Proposal.State.ADOPTED, Proposal.State.IMPLEMENTATION):
            raise ValidationError(
                {"state": [gettext("The proposal moved on meanwhile.")]}
            )
        decision = (
            locked.steps.filter(
                action__in=("adopt", "approve", "approve_changes"),
                document__isnull=False,
            )
            .select_related("document")
            .order_by("-at", "-id")
            .first()
        )
        task = task_create(
            actor=actor,
            body=locked.body,
            title=title,
            assigned_on=on,
            lead_agency=lead_agency,
            description=description,
            source_document=decision.document if decision else None,
            cooperating=cooperating,
            sector=locked.sectors.order_by("pk").first(),
            provinces=list(locked.provinces.all()),
            is_key=is_key,
            deadline=deadline,
            source=locked,
        )
        if locked.state == Proposal.State.ADOPTED:
            before = locked.state
            locked.state = Proposal.State.IMPLEMENTATION
            save_bumped(locked, ["state"])
            ProposalStep.objects.create(
                proposal=locked,
                action="implement",
                from_state=before,
                to_state=locked.state,
                actor=_actor(actor),
                comment=gettext("Task %(code)s assigned.") % {"code": task.code},
            )
        audit_record(
            actor=actor,
            action="proposals.task_assign",
            target=locked,
            changes={
                "task": {"before": None, "after": f"{task.code} {task.title}"[:200]},
                "state": {"before": proposal.state, "after": locked.state},
            },
        )
    return task
