"""Proposals API, mounted at /api/v1.

Same rules as the pages: the list shows the proposals of the bodies the
caller may see (an outsider or an external user gets an empty list); a
proposal the caller may not see answers 404. A round is seen by the
proposal's body and by whoever acts for one of its parties (another
province's team answers through ``POST /rounds/{id}/answers``); such a
party sees only its own answer. An action the caller's role does not
allow answers 403; bad input 422 with the field and the reason; a stale
``version`` 409.

Endpoints: ``GET /proposals`` (filters as the list page, ``cursor``,
``limit`` ≤ 200), ``POST /proposals``, ``GET /proposals/{id}``,
``GET /proposals/{id}/rounds``, ``GET /rounds/{id}/answers``,
``POST /rounds/{id}/answers``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import CONFLICT, ERRORS
from dieuphoi.core.params import ApiDate, ApiId
from dieuphoi.docs.models import Document
from dieuphoi.org.models import AdministrativeUnit, Agency, Body
from dieuphoi.org.permissions import is_admin
from dieuphoi.tasks.models import Sector

from . import permissions, selectors, services, workflow
from .models import ConsultationRound, Proposal, RoundParty

router = Router(tags=["proposals"])

# Every operation declares all the shared errors (400, 401, 403, 404, 422:
# dieuphoi.api.errors.ERRORS, issue 12), and 409 with the shared ConflictOut.
E401 = E403 = E404 = E422 = ERRORS
E409 = CONFLICT

# Service field names -> the names the API uses for them.
API_FIELD_NAMES = {
    "body": "body_id",
    "lead_agency": "lead_agency_id",
    "cooperating_agencies": "cooperating_agency_ids",
    "provinces": "province_ids",
    "sectors": "sector_ids",
    "basis_documents": "basis_document_ids",
    "cooperating": "cooperating_agency_ids",
}


# --- schemas -----------------------------------------------------------------------


class RefOut(Schema):
    id: int = Field(description="Id of the referenced object.")
    name: str = Field(description="Its display name.")


class AgencyRef(Schema):
    id: int = Field(description="Agency id (GET /api/v1/agencies).")
    code: str = Field(description="Short code, e.g. SXD.")
    name: str = Field(description="Display name.")


class DocumentRef(Schema):
    id: int = Field(description="Document id (GET /api/v1/documents/{id}).")
    reference: str = Field(description="Number and symbol, e.g. 12/QĐ-UBND.")
    issued_on: datetime.date


class BudgetOut(Schema):
    central: int | None = Field(description="Central budget, VND.")
    city: int | None = Field(description="City budget, VND.")
    provinces: int | None = Field(description="Provinces' budgets, VND.")
    other: int | None = Field(description="ODA and other sources, VND.")
    total: int | None = Field(description="Their sum; null when none is given.")


class ProposalOut(Schema):
    id: int
    title: str
    kind: str = Field(description=", ".join(Proposal.Kind.values))
    kind_label: str = Field(description="The kind in the caller's language.")
    scope: str = Field(description=", ".join(Proposal.Scope.values))
    state: str = Field(description=", ".join(Proposal.State.values))
    state_label: str = Field(description="The state in the caller's language.")
    summary: str
    body: RefOut = Field(description="The coordination body that proposes it.")
    proposed_on: datetime.date
    lead_agency: AgencyRef
    cooperating_agencies: list[AgencyRef]
    provinces: list[RefOut] = Field(description="Units as of proposed_on.")
    sectors: list[RefOut]
    budget: BudgetOut
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    beyond_city: bool = Field(description="Beyond the city's competence.")
    version: int = Field(description="Send it back with changes (409 when stale).")


class ProposalListItem(ProposalOut):
    open_rounds: int = Field(description="Consultation rounds open.")
    overdue_answers: int = Field(
        description="Parties of open rounds past the deadline without an answer."
    )


class ProposalPageOut(Schema):
    items: list[ProposalListItem]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class StepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: RefOut | None
    at: datetime.datetime
    document: DocumentRef | None = Field(description="The document that carries it.")
    paper_id: int | None = Field(
        description="The official document drafted (Tờ trình)."
    )
    comment: str


class ProposalDetailOut(ProposalOut):
    basis_documents: list[DocumentRef]
    drafts: list[dict] = Field(description="number, attachment_id, name, sections.")
    steps: list[StepOut]
    allowed_actions: list[str] = Field(description="What the caller may do now.")


class ProposalIn(Schema):
    body_id: ApiId | None = Field(
        None, description="Proposing body; may be left out if you draft in one only."
    )
    kind: str = Field(description=", ".join(Proposal.Kind.values))
    title: str = Field(description="1-500 characters.")
    summary: str = Field("", description="Summary, ≤ 10,000 characters.")
    scope: str = Field(description=", ".join(Proposal.Scope.values))
    proposed_on: ApiDate
    lead_agency_id: ApiId = Field(
        description="One of the body's own agencies, valid on proposed_on."
    )
    cooperating_agency_ids: list[ApiId] = []
    province_ids: list[ApiId] = Field(
        [], description="Administrative units valid on proposed_on."
    )
    sector_ids: list[ApiId] = []
    basis_document_ids: list[ApiId] = Field(
        [], description="Documents of the body's register."
    )
    budget_central: int | str | None = Field(
        None, description="VND, whole; a string may group thousands: 1.000.000."
    )
    budget_city: int | str | None = None
    budget_provinces: int | str | None = None
    budget_other: int | str | None = None
    budget_total: int | str | None = Field(
        None, description="When given, the sources must add up to it."
    )
    starts_on: ApiDate | None = None
    ends_on: ApiDate | None = None
    beyond_city: bool = False


class ListQuery(Schema):
    kind: str | None = Field(None, description=", ".join(Proposal.Kind.values))
    state: str | None = Field(None, description=", ".join(Proposal.State.values))
    lead_agency: ApiId | None = None
    province: ApiId | None = None
    sector: ApiId | None = None
    open_round: bool | None = Field(None, description="With a round open.")
    overdue_answers: bool | None = Field(
        None, description="With answers overdue in an open round."
    )
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class RoundOut(Schema):
    id: int
    number: int
    draft_number: int
    sections: list[str] = Field(description="Sections a comment may refer to.")
    opened_on: datetime.date
    working_days: int
    deadline: datetime.date
    questions: str
    state: str = Field(description="open, closed")
    closed_on: datetime.date | None
    asked: int
    answered: int
    on_time: int
    silent: int = Field(description="Recorded as no comment at the close.")
    request_paper_id: int | None = Field(
        description="The Công văn xin ý kiến (the body's members only)."
    )


class CommentOut(Schema):
    id: int
    section: str = Field(description="Section of the draft; empty: general.")
    text: str
    response: str | None = Field(
        description="accepted, partly, explained, or empty (the body's members "
        "only; null for a party)."
    )
    response_text: str | None


class AnswerOut(Schema):
    party_id: int
    name: str
    agency_id: int | None
    body_id: int | None = Field(description="Another province's team, if it is one.")
    answer: str = Field(description=", ".join(RoundParty.Answer.values) + " or empty")
    answer_label: str
    answered_on: datetime.date | None
    late: bool
    urge_count: int
    comments: list[CommentOut]
    version: int


class CommentIn(Schema):
    section: str = Field(
        "", description="One of the round's sections; empty for a general comment."
    )
    text: str


class AnswerIn(Schema):
    party_id: ApiId | None = Field(
        None, description="The party you answer for; may be left out if only one."
    )
    answer: str = Field(description="agree, agree_comments, disagree")
    comments: list[CommentIn] = Field(
        [], description="Required for agree_comments and disagree."
    )
    version: int | None = Field(None, description="The party's version you read.")


# --- output ------------------------------------------------------------------------


def _agency(a: Agency) -> dict:
    return {"id": a.pk, "code": a.code, "name": a.name}


def _int(value) -> int | None:
    return None if value is None else int(value)


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "scope": p.scope,
        "state": p.state,
        "state_label": str(p.get_state_display()),
        "summary": p.summary,
        "body": {"id": p.body_id, "name": p.body.name},
        "proposed_on": p.proposed_on,
        "lead_agency": _agency(p.lead_agency),
        "cooperating_agencies": [_agency(a) for a in p.cooperating_agencies.all()],
        "provinces": [{"id": u.pk, "name": u.name} for u in p.provinces.all()],
        "sectors": [{"id": s.pk, "name": s.name} for s in p.sectors.all()],
        "budget": {
            "central": _int(p.budget_central),
            "city": _int(p.budget_city),
            "provinces": _int(p.budget_provinces),
            "other": _int(p.budget_other),
            "total": _int(p.budget_total),
        },
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "beyond_city": p.beyond_city,
        "version": p.version,
    }


def _doc(d: Document) -> dict:
    return {"id": d.pk, "reference": d.reference, "issued_on": d.issued_on}


def _detail_out(request, pk: int) -> dict[str, Any]:
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    proposal = (
        Proposal.objects.select_related("body", "lead_agency")
        .prefetch_related(
            "cooperating_agencies", "provinces", "sectors", "basis_documents"
        )
        .get(pk=proposal.pk)
    )
    out = _proposal_out(proposal)
    out["basis_documents"] = [_doc(d) for d in proposal.basis_documents.all()]
    out["drafts"] = [
        {
            "number": d.number,
            "attachment_id": d.attachment_id,
            "name": d.attachment.original_name,
            "sections": d.sections,
        }
        for d in proposal.drafts.select_related("attachment").order_by("number")
    ]
    out["steps"] = [
        {
            "action": s.action,
            "from_state": s.from_state,
            "to_state": s.to_state,
            "actor": {"id": s.actor_id, "name": str(s.actor)} if s.actor else None,
            "at": s.at,
            "document": _doc(s.document) if s.document else None,
            "paper_id": s.paper_id,
            "comment": s.comment,
        }
        for s in proposal.steps.select_related("actor", "document")
    ]
    out["allowed_actions"] = [
        t.action for t in workflow.allowed_actions(request.user, proposal)
    ]
    return out


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {API_FIELD_NAMES.get(f, f): m for f, m in exc.message_dict.items()}
    )


# --- proposals ---------------------------------------------------------------------


@router.get(
    "/proposals",
    response={200: ProposalPageOut, **E401, **E422},
    summary="List proposals",
)
def list_proposals(request, query: Query[ListQuery]):
    """Filters as on the list page, newest first; pass ``next_cursor`` back
    as ``cursor``."""
    filters, errors = selectors.parse_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    page = selectors.proposal_list(
        user=request.user, filters=filters, after=query.cursor, limit=query.limit
    )
    items = []
    for p in page.items:
        row = _proposal_out(p)
        row["open_rounds"] = p.open_rounds
        row["overdue_answers"] = p.overdue_parties
        items.append(row)
    return {"items": items, "next_cursor": page.next_cursor}


def _resolve(data: dict, body: Body) -> tuple[dict, dict]:
    found: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    found["lead_agency"] = Agency.objects.filter(pk=data["lead_agency_id"]).first()
    if found["lead_agency"] is None:
        errors["lead_agency_id"] = [gettext("Unknown agency.")]

    def many(key: str, name: str, qs, message: str) -> None:
        ids = list(dict.fromkeys(data.get(key) or []))
        objects = list(qs.filter(pk__in=ids))
        if len(objects) != len(ids):
            errors[key] = [message]
        found[name] = objects

    many(
        "cooperating_agency_ids",
        "cooperating_agencies",
        Agency.objects.all(),
        gettext("Unknown agency."),
    )
    many(
        "province_ids",
        "provinces",
        AdministrativeUnit.objects.all(),
        gettext("Unknown administrative unit."),
    )
    many("sector_ids", "sectors", Sector.objects.all(), gettext("Unknown sector."))
    many(
        "basis_document_ids",
        "basis_documents",
        Document.objects.filter(body=body),
        gettext("Unknown document in the body's register."),
    )
    return found, errors


@router.post(
    "/proposals",
    response={201: ProposalDetailOut, **E401, **E403, **E422},
    summary="Create a proposal",
)
def create_proposal(request, payload: ProposalIn):
    data = payload.dict()
    bodies = selectors.drafter_bodies(request.user)
    body_id = data.pop("body_id")
    if body_id is None:
        if not bodies:
            raise PermissionDenied
        if len(bodies) != 1:
            raise ValidationError({"body_id": [gettext("Choose the proposing body.")]})
        body = bodies[0]
    else:
        body = Body.objects.filter(pk=body_id).first()
        if body is None:
            raise ValidationError({"body_id": [gettext("Unknown coordination body.")]})
        if body not in bodies:
            raise PermissionDenied
    found, errors = _resolve(data, body)
    if errors:
        raise ValidationError(errors)
    try:
        proposal = services.proposal_create(
            actor=request.user,
            body=body,
            kind=data["kind"],
            title=data["title"],
            summary=data["summary"],
            scope=data["scope"],
            proposed_on=data["proposed_on"],
            budget={
                name: data[name]
                for name in services.BUDGET_FIELDS
                if data[name] is not None
            },
            budget_total=data["budget_total"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            beyond_city=data["beyond_city"],
            **found,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _detail_out(request, proposal.pk))


@router.get(
    "/proposals/{int:proposal_id}",
    response={200: ProposalDetailOut, **E401, **E404},
    summary="Get a proposal",
)
def get_proposal(request, proposal_id: int):
    return _detail_out(request, proposal_id)


def _round_out(r: ConsultationRound, member: bool) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "draft_number": r.draft.number,
        "sections": r.draft.sections or [],
        "opened_on": r.opened_on,
        "working_days": r.working_days,
        "deadline": r.deadline,
        "questions": r.questions,
        "state": r.state,
        "closed_on": r.closed_on,
        "asked": r.stats.asked,
        "answered": r.stats.answered,
        "on_time": r.stats.on_time,
        "silent": r.stats.silent,
        "request_paper_id": r.request_paper_id if member else None,
    }


@router.get(
    "/proposals/{int:proposal_id}/rounds",
    response={200: list[RoundOut], **E401, **E404},
    summary="Consultation rounds of a proposal",
)
def list_rounds(request, proposal_id: int):
    """All rounds for the proposal's body; for a party asked, the rounds
    addressed to it (404 when none)."""
    proposal = Proposal.objects.select_related("body").filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404
    rounds = selectors.proposal_rounds(proposal=proposal)
    member = permissions.can_view_proposal(request.user, proposal)
    if not member:
        rounds = [r for r in rounds if permissions.can_view_round(request.user, r)]
        if not rounds:
            raise Http404
    return [_round_out(r, member) for r in rounds]


# --- answers -----------------------------------------------------------------------


def _access_round(request, round_id: int) -> tuple[ConsultationRound, bool]:
    consultation = (
        ConsultationRound.objects.select_related("proposal", "draft")
        .filter(pk=round_id)
        .first()
    )
    if consultation is None or not permissions.can_view_round(
        request.user, consultation
    ):
        raise Http404
    return consultation, permissions.can_view_proposal(
        request.user, consultation.proposal
    )


def _answers(request, consultation, member: bool) -> list[dict]:
    parties = list(
        consultation.parties.prefetch_related("comments").order_by("name", "id")
    )
    # A party's user sees only its own answer: who acts for which party, in
    # one query for all of them.
    own = (
        set()
        if member
        else selectors.acting_party_ids(
            user=request.user, proposal=consultation.proposal, parties=parties
        )
    )
    out = []
    for party in parties:
        party.round = consultation
        if not member and party.pk not in own:
            continue
        out.append(
            {
                "party_id": party.pk,
                "name": party.name,
                "agency_id": party.agency_id,
                "body_id": party.party_body_id,
                "answer": party.answer,
                "answer_label": str(party.get_answer_display()) if party.answer else "",
                "answered_on": party.answered_on,
                "late": party.late,
                "urge_count": party.urge_count,
                "comments": [
                    {
                        "id": c.pk,
                        "section": c.section,
                        "text": c.text,
                        "response": c.response if member else None,
                        "response_text": c.response_text if member else None,
                    }
                    for c in party.comments.all()
                ],
                "version": party.version,
            }
        )
    return out


@router.get(
    "/rounds/{int:round_id}/answers",
    response={200: list[AnswerOut], **E401, **E404},
    summary="Answers of a round",
)
def list_answers(request, round_id: int):
    """Every party's answer for the proposal's body; a party's own only for
    whoever acts for it."""
    consultation, member = _access_round(request, round_id)
    return _answers(request, consultation, member)


@router.post(
    "/rounds/{int:round_id}/answers",
    response={201: AnswerOut, **E401, **E403, **E404, **E409, **E422},
    summary="Answer for your party",
)
def submit_answer(request, round_id: int, payload: AnswerIn):
    """The caller's party's answer, once; comments name a section of the
    round's draft (``sections``) or none. After the deadline it is kept and
    flagged late."""
    consultation, member = _access_round(request, round_id)
    parties = list(consultation.parties.all())
    for party in parties:
        party.round = consultation
    if payload.party_id is not None:
        party = next((p for p in parties if p.pk == payload.party_id), None)
        if party is None:
            raise ValidationError({"party_id": [gettext("Not a party of this round.")]})
        if not services.acts_for(request.user, party) and not is_admin(request.user):
            raise PermissionDenied
    else:
        mine = [p for p in parties if services.acts_for(request.user, p)]
        if not mine:
            raise PermissionDenied
        if len(mine) > 1:
            raise ValidationError(
                {"party_id": [gettext("You act for several parties: choose one.")]}
            )
        party = mine[0]
    sections = set(consultation.draft.sections or [])
    errors = {
        f"comments.{i}.section": [gettext("Not a section of the draft.")]
        for i, c in enumerate(payload.comments)
        if c.section and c.section not in sections
    }
    if errors:
        raise ValidationError(errors)
    services.answer_submit(
        actor=request.user,
        party=party,
        answer=payload.answer,
        comments=[(c.section, c.text) for c in payload.comments],
        version=payload.version,
    )
    answers = _answers(request, consultation, member)
    return Status(201, next(a for a in answers if a["party_id"] == party.pk))


# --- tasks carrying out an adopted proposal ----------------------------------------


class ProposalTaskIn(Schema):
    title: str = Field(..., max_length=500)
    lead_agency_id: ApiId
    cooperating_agency_ids: list[ApiId] = Field(default_factory=list, max_length=100)
    deadline: ApiDate | None = None
    description: str = Field("", max_length=10_000)
    is_key: bool = False


class ProposalTaskOut(Schema):
    id: int
    code: str
    title: str
    lead_agency: dict
    deadline: datetime.date | None
    state: str
    source: str


@router.post(
    "/proposals/{int:proposal_id}/tasks",
    response={201: ProposalTaskOut, **E401, **E403, **E404, **E422},
    summary="Assign a task carrying out an adopted proposal",
)
def assign_task(request, proposal_id: int, payload: ProposalTaskIn):
    """The proposal becomes the task's source (the task list's ``?source=``);
    the first task moves the proposal into implementation."""
    from dieuphoi.tasks.sources import source_key

    proposal = permissions.access_proposal(user=request.user, pk=proposal_id)
    if not workflow.holds(request.user, proposal, workflow.RECORDER):
        raise PermissionDenied
    agencies = Agency.objects.in_bulk(
        [payload.lead_agency_id, *payload.cooperating_agency_ids]
    )
    errors: dict[str, list[str]] = {}
    lead = agencies.get(payload.lead_agency_id)
    if lead is None:
        errors["lead_agency_id"] = [gettext("Unknown agency.")]
    missing = [i for i in payload.cooperating_agency_ids if i not in agencies]
    if missing:
        errors["cooperating_agency_ids"] = [gettext("Unknown agency.")]
    if errors:
        raise ValidationError(errors)
    try:
        task = services.proposal_task_assign(
            actor=request.user,
            proposal=proposal,
            title=payload.title,
            lead_agency=lead,
            cooperating=[
                {"agency": agencies[i], "description": "", "deadline": None}
                for i in payload.cooperating_agency_ids
            ],
            deadline=payload.deadline,
            description=payload.description,
            is_key=payload.is_key,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(
        201,
        {
            "id": task.pk,
            "code": task.code,
            "title": task.title,
            "lead_agency": _agency(task.lead_agency),
            "deadline": task.deadline,
            "state": task.state,
            "source": source_key(proposal),
        },
    )


# --- files sent with an answer -----------------------------------------------------


class AnswerFileOut(Schema):
    id: int
    name: str
    size: int
    url: str


@router.post(
    "/rounds/{int:round_id}/parties/{int:party_id}/files",
    response={201: AnswerFileOut, **E401, **E403, **E404, **E422},
    summary="Attach a file to your party's answer",
    # The file is read after the access checks (a refusal is about the
    # caller, not a missing field), so it is described here, not as a param.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
def attach_answer_file(request, round_id: int, party_id: int):
    """A signed reply or an annex, as ``multipart/form-data`` field ``file``
    (PDF, Word, Excel, images; the size limit of every attachment), by who
    answers for the party, while the round is open."""
    from django.urls import reverse

    from dieuphoi.docs.services import attachment_add

    consultation, _member = _access_round(request, round_id)
    party = consultation.parties.filter(pk=party_id).first()
    if party is None:
        raise Http404
    party.round = consultation
    if not (services.acts_for(request.user, party) or is_admin(request.user)):
        raise PermissionDenied
    if consultation.state != ConsultationRound.State.OPEN:
        raise ValidationError({"file": [gettext("The round is closed.")]})
    file = request.FILES.get("file")
    if file is None:
        raise ValidationError({"file": [gettext("Choose a file to upload.")]})
    attachment = attachment_add(actor=request.user, target=party, uploaded_file=file)
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "url": reverse("docs:attachment-download", args=[attachment.pk]),
        },
    )
