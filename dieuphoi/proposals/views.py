"""Pages of proposals (thin: permissions, selectors, services).

| URL name | who |
|---|---|
| ``list``, ``board`` | anyone signed in: the proposals of the bodies they may see (none for an outsider or an external user) |
| ``create`` | drafters of a body (leader, deputy, secretariat, specialists): 403 otherwise |
| ``detail``, ``diff``, ``synthesis`` and its exports | who may see the proposal's body (404 otherwise; an external party too) |
| ``edit``, ``draft-add``, ``round-new``, ``round-close`` | drafters (403) |
| ``action`` | the role of the workflow table (403) |
| ``round``, ``round-draft`` | the body's members, or who acts for a party asked (404 otherwise) |
| ``answer`` | who acts for that party (403) |
| ``respond`` | drafters, or the lead agency's people (403) |

Every write is one service call; a stale version is a 409 with a message
and the input kept.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import Choices
from dieuphoi.tasks.sources import source_key

from . import board, permissions, selectors, services, workflow
from .forms import (
    COMMENTS_PREFIX,
    ActionForm,
    AnswerForm,
    CommentRows,
    DraftForm,
    ProposalEditForm,
    ProposalFilterForm,
    ProposalForm,
    ProposalTaskForm,
    ResponseForm,
    RoundForm,
    edit_initial,
    parse_day,
)
from .models import ConsultationRound, Proposal, ProposalDraft, RoundComment, RoundParty

DRAFT_STATES = (
    Proposal.State.DRAFT,
    Proposal.State.CONSULTATION,
    Proposal.State.TEAM_REVIEW,
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _conflict_text() -> str:
    return gettext(
        "Someone changed this while you were working on it. Nothing was saved; "
        "your input is kept below. Check their change, then save again."
    )


def _money(value) -> str:
    if value is None:
        return ""
    return formats.number_format(value, force_grouping=True)


# --- list and board ----------------------------------------------------------------


def _may_create(user) -> bool:
    if org_perms.is_admin(user):
        return True
    return any(
        roles & org_perms.MANAGER_ROLES for roles in org_perms.body_roles(user).values()
    )


def _list_context(request, filters, errors) -> dict:
    params = filters.to_params()
    return {
        "form": ProposalFilterForm(request.GET, choices=Choices(), errors=errors),
        "errors": errors,
        "filters": filters,
        "can_create": _may_create(request.user),
        "list_url": f"{reverse('proposals:list')}?{urlencode(params)}"
        if params
        else reverse("proposals:list"),
        "board_url": f"{reverse('proposals:board')}?{urlencode(params)}"
        if params
        else reverse("proposals:board"),
        "params": params,
    }


@login_required
@require_GET
def proposal_list(request):
    """The filtered list, newest first; ``after`` (a cursor) asks for the
    next rows (the "load more" fragment)."""
    filters, errors = selectors.parse_filters(request.GET)
    after = request.GET.get("after") or None
    page = None
    if not errors:
        try:
            page = selectors.proposal_list(
                user=request.user, filters=filters, after=after
            )
        except ValidationError as exc:
            errors = {"after": " ".join(exc.messages)}
    more_url = ""
    if page and page.next_cursor:
        more_url = (
            f"{reverse('proposals:list')}?"
            f"{urlencode({**filters.to_params(), 'after': page.next_cursor})}"
        )
    context = {
        "proposals": page.items if page else [],
        "more_url": more_url,
        "first_page": not after,
        "errors": errors,
    }
    partial = "proposal-rows" if after else "proposal-page"
    if not after or not _is_htmx(request):
        context.update(_list_context(request, filters, errors))
        context["errors"] = errors
    return render_page(request, "proposals/proposal_list.html", context, partial)


@login_required
@require_GET
def proposal_board(request):
    """The pipeline: one column per state, with its count and newest cards
    (``board``: rendered once per visible scope, filters and date)."""
    filters, errors = selectors.parse_filters(request.GET)
    board_html = ""
    if not errors:
        board_html = board.board_page(
            user=request.user, filters=filters, on=local_today()
        ).html
    context = {"board_html": board_html, **_list_context(request, filters, errors)}
    return render_page(request, "proposals/proposal_board.html", context, "board-page")


# --- create / edit -----------------------------------------------------------------


def _form_choices(request, body: Body | None, proposal: Proposal | None = None):
    on = (
        parse_day(request.POST.get("proposed_on")) if request.method == "POST" else None
    )
    if on is None and proposal is not None:
        on = proposal.proposed_on
    extra = []
    if proposal is not None:
        extra = [
            proposal.lead_agency,
            *proposal.cooperating_agencies.all(),
            *proposal.provinces.all(),
        ]
    return Choices(
        bodies=[body] if body else [], on=on or local_today(), extra_parties=extra
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    bodies = selectors.drafter_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    body = bodies[0]
    if request.method == "POST" and len(bodies) > 1:
        chosen = request.POST.get("body")
        body = next((b for b in bodies if str(b.pk) == chosen), body)
    choices = _form_choices(request, body)
    form = ProposalForm(
        request.POST or None,
        choices=choices,
        bodies=bodies,
        initial={"body": body.pk, "proposed_on": local_today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                actor=request.user,
                body=form.cleaned_data["body"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The proposal was created."))
            return redirect(proposal.get_absolute_url())
    return render_page(
        request, "proposals/proposal_form.html", {"form": form, "proposal": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, pk: int):
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    if not workflow.holds(request.user, proposal, workflow.DRAFTER):
        raise PermissionDenied
    choices = _form_choices(request, proposal.body, proposal)
    form = ProposalEditForm(
        request.POST or None, choices=choices, initial=edit_initial(proposal)
    )
    conflict = ""
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_update(
                actor=request.user,
                proposal=proposal,
                version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
        except Conflict:
            conflict = _conflict_text()
            current = Proposal.objects.get(pk=proposal.pk)
            post = request.POST.copy()
            post["version"] = str(current.version)
            form = ProposalEditForm(
                post, choices=choices, initial=edit_initial(current)
            )
            form.is_valid()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The proposal was saved."))
            return redirect(proposal.get_absolute_url())
    return render_page(
        request,
        "proposals/proposal_form.html",
        {"form": form, "proposal": proposal, "conflict": conflict},
        status=409 if conflict else 200,
    )


# --- detail ------------------------------------------------------------------------


def _budget_rows(proposal: Proposal) -> list[tuple[str, str]]:
    rows = []
    for name in services.BUDGET_FIELDS:
        value = getattr(proposal, name)
        if value is not None:
            rows.append((Proposal._meta.get_field(name).verbose_name, _money(value)))
    return rows


def step_label(action: str) -> str:
    if action == "create":
        return gettext("Created the proposal")
    transition = workflow.TRANSITIONS.get(action)
    return str(transition.label) if transition else action


def _action_forms(user, proposal: Proposal, failed: dict | None = None) -> list[dict]:
    failed = failed or {}
    choices = Choices(bodies=[proposal.body])
    out = []
    for transition in workflow.allowed_actions(user, proposal):
        entry = {
            "transition": transition,
            "action": transition.action,
            "label": transition.label,
        }
        if transition.action == "consult":
            entry["url"] = reverse("proposals:round-new", args=[proposal.pk])
        elif failed.get("action") == transition.action:
            entry["form"] = failed["form"]
        else:
            entry["form"] = ActionForm(
                initial={"action": transition.action, "version": proposal.version},
                needs_document=transition.needs_document,
                choices=choices,
                auto_id=f"id_{transition.action}_%s",
            )
        out.append(entry)
    if proposal.state == Proposal.State.CONSULTATION and workflow.holds(
        user, proposal, workflow.DRAFTER
    ):
        # The table's "consult" starts the consultation; more rounds may follow.
        out.insert(
            0,
            {
                "action": "consult-again",
                "label": gettext("Open another consultation round"),
                "url": reverse("proposals:round-new", args=[proposal.pk]),
            },
        )
    return out


def _discussion(request, proposal: Proposal) -> dict | None:
    from dieuphoi.discussions.registry import target_for_model
    from dieuphoi.discussions.views import thread_context

    entry = target_for_model(Proposal)
    if entry is None or not entry.can_view(request.user, proposal, ""):
        return None
    return thread_context(request, entry, proposal, "")


def _detail_response(request, proposal: Proposal, *, status=200, **extra):
    user = request.user
    # ``access_proposal`` loaded it (with body, lead agency, author) in this
    # request; only its many-to-many facts are still to fetch.
    prefetch_related_objects(
        [proposal], "cooperating_agencies", "provinces", "sectors", "basis_documents"
    )
    drafts = list(
        proposal.drafts.select_related("attachment", "created_by").order_by("-number")
    )
    numbers = {d.number for d in drafts}
    for draft in drafts:
        draft.has_previous = (draft.number - 1) in numbers
    steps = list(
        proposal.steps.select_related(
            "actor", "document", "paper", "paper__kind__doc_type"
        )
    )
    for step in steps:
        step.label = step_label(step.action)
    submission = next((s.paper for s in reversed(steps) if s.action == "submit"), None)
    is_drafter = workflow.holds(user, proposal, workflow.DRAFTER)
    can_assign = proposal.state in TASK_STATES and workflow.holds(
        user, proposal, workflow.RECORDER
    )
    task_form = extra.pop("task_form", None)
    if can_assign and task_form is None:
        task_form = ProposalTaskForm(
            choices=_form_choices(request, proposal.body, proposal),
            initial={
                "lead_agency": proposal.lead_agency,
                "cooperating_agencies": list(proposal.cooperating_agencies.all()),
            },
        )
    context = {
        "proposal": proposal,
        "budget_rows": _budget_rows(proposal),
        "budget_total": _money(proposal.budget_total),
        "drafts": drafts,
        "rounds": selectors.proposal_rounds(proposal=proposal),
        "steps": steps,
        "submission": submission,
        "actions": _action_forms(user, proposal, extra.pop("failed", None)),
        "can_edit": is_drafter and proposal.state in workflow.EDITABLE_STATES,
        "tasks": selectors.proposal_tasks(user=user, proposal=proposal)
        if proposal.state in TASK_STATES
        else [],
        "tasks_url": f"{reverse('tasks:list')}?source={source_key(proposal)}",
        "can_assign_tasks": can_assign,
        **_key_projects(user, proposal),
        "task_form": task_form,
        "can_add_draft": is_drafter and proposal.state in DRAFT_STATES,
        "draft_form": extra.pop("draft_form", None) or DraftForm(),
        "discussion": _discussion(request, proposal),
        **extra,
    }
    return render_page(
        request, "proposals/proposal_detail.html", context, status=status
    )


TASK_STATES = (Proposal.State.ADOPTED, Proposal.State.IMPLEMENTATION)


def _key_projects(user, proposal: Proposal) -> dict:
    """An adopted key-project proposal is carried out by a key project (its
    milestones followed there): the ones made from it, and a link to make
    one with the proposal's facts filled in."""
    if proposal.kind != Proposal.Kind.KEY_PROJECT or proposal.state not in TASK_STATES:
        return {}
    from dieuphoi.keyprojects.models import KeyProject

    return {
        "key_projects": list(
            KeyProject.objects.filter(proposal=proposal).order_by("code")
        ),
        "key_project_new_url": (
            f"{reverse('keyprojects:create')}?proposal={proposal.pk}"
            if org_perms.can_manage_body(user, proposal.body_id)
            else ""
        ),
    }


@login_required
@require_POST
def proposal_task_new(request, pk: int):
    """Assign a task carrying out the adopted proposal (its source)."""
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    if not workflow.holds(request.user, proposal, workflow.RECORDER):
        raise PermissionDenied
    form = ProposalTaskForm(
        request.POST, choices=_form_choices(request, proposal.body, proposal)
    )
    notice = ""
    if form.is_valid():
        try:
            task = services.proposal_task_assign(
                actor=request.user, proposal=proposal, **form.service_kwargs()
            )
        except ValidationError as exc:
            leftover = add_service_errors(
                form,
                exc,
                {
                    "state": None,
                    "cooperating": "cooperating_agencies",
                    "parts": "cooperating_agencies",
                },
            )
            notice = " ".join(leftover)
        else:
            messages.success(
                request,
                gettext("Task %(code)s was assigned to %(agency)s.")
                % {"code": task.code, "agency": task.lead_agency.name},
            )
            return redirect(f"{proposal.get_absolute_url()}#proposal-tasks")
    return _detail_response(
        request, proposal, task_form=form, notice=notice, status=422
    )


@login_required
@require_GET
def proposal_detail(request, pk: int):
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    return _detail_response(request, proposal)


@login_required
@require_POST
def draft_add(request, pk: int):
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    if not workflow.holds(request.user, proposal, workflow.DRAFTER):
        raise PermissionDenied
    form = DraftForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            draft = services.draft_add(
                actor=request.user,
                proposal=proposal,
                uploaded_file=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, gettext("Draft %(n)d was added.") % {"n": draft.number}
            )
            return redirect(f"{proposal.get_absolute_url()}#drafts")
    return _detail_response(request, proposal, draft_form=form, status=422)


@login_required
@require_GET
def draft_diff(request, pk: int):
    """A draft against the one before it: + and - lines."""
    draft = (
        ProposalDraft.objects.select_related("proposal", "attachment")
        .filter(pk=pk)
        .first()
    )
    if draft is None:
        raise Http404
    proposal = permissions.access_proposal(user=request.user, pk=draft.proposal_id)
    previous = (
        proposal.drafts.select_related("attachment")
        .filter(number=draft.number - 1)
        .first()
    )
    if previous is None:
        raise Http404
    lines = []
    for line in selectors.draft_diff(previous, draft):
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        lines.append((kind, line))
    return render_page(
        request,
        "proposals/draft_diff.html",
        {
            "proposal": proposal,
            "draft": draft,
            "previous": previous,
            "lines": lines,
            "comparable": bool(previous.text and draft.text),
        },
    )


@login_required
@require_POST
def proposal_action(request, pk: int):
    """One workflow action (the table's buttons); "submit" drafts the Tờ
    trình; a decision needs its document."""
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    transition = workflow.TRANSITIONS.get(action)
    if transition is None or action == "consult":
        raise Http404
    if not workflow.may(request.user, proposal, action):
        if proposal.state in transition.sources and not workflow.holds(
            request.user, proposal, transition.who
        ):
            raise PermissionDenied
        messages.error(
            request, gettext("This cannot be done in the proposal's present state.")
        )
        return redirect(proposal.get_absolute_url())
    form = ActionForm(
        request.POST,
        needs_document=transition.needs_document,
        choices=Choices(bodies=[proposal.body]),
        auto_id=f"id_{action}_%s",
    )
    failed = {"action": action, "form": form}
    if not form.is_valid():
        return _detail_response(request, proposal, failed=failed, status=422)
    data = form.cleaned_data
    try:
        if action == "submit":
            proposal = services.proposal_submit(
                actor=request.user,
                proposal=proposal,
                version=data["version"],
                comment=data["comment"],
            )
        else:
            proposal = services.proposal_transition(
                actor=request.user,
                proposal=proposal,
                action=action,
                version=data["version"],
                comment=data["comment"],
                document=data.get("document"),
            )
    except Conflict:
        return _detail_response(
            request, proposal, failed=failed, notice=_conflict_text(), status=409
        )
    except ValidationError as exc:
        leftover = add_service_errors(form, exc, {"state": None, "action": None})
        return _detail_response(
            request,
            proposal,
            failed=failed,
            notice=" ".join(leftover),
            status=422,
        )
    messages.success(
        request,
        gettext("Done: %(action)s.") % {"action": transition.label},
    )
    return redirect(proposal.get_absolute_url())


# --- rounds ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request, pk: int):
    proposal = permissions.access_proposal(user=request.user, pk=pk)
    if not workflow.holds(request.user, proposal, workflow.DRAFTER):
        raise PermissionDenied
    drafts = list(proposal.drafts.select_related("attachment").order_by("-number"))
    choices = Choices(bodies=[proposal.body], on=local_today())
    form = RoundForm(
        request.POST or None,
        drafts=drafts,
        choices=choices,
        initial={
            "version": proposal.version,
            "draft": drafts[0].pk if drafts else None,
            "working_days": 10,
        },
    )
    notice = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = services.round_open(
                actor=request.user,
                proposal=proposal,
                draft=data["draft"],
                parties=data["parties"],
                working_days=data["working_days"],
                questions=data["questions"],
                version=data["version"],
            )
        except Conflict:
            notice = _conflict_text()
            status = 409
        except ValidationError as exc:
            leftover = add_service_errors(form, exc, {"state": None, "on": None})
            notice = " ".join(leftover)
            status = 422
        else:
            messages.success(
                request,
                gettext(
                    "Round %(n)d is open; the request letter is drafted for the "
                    "leader to sign."
                )
                % {"n": consultation.number},
            )
            return redirect(consultation.get_absolute_url())
    elif request.method == "POST":
        status = 422
    return render_page(
        request,
        "proposals/round_form.html",
        {
            "proposal": proposal,
            "form": form,
            "notice": notice,
            "has_drafts": bool(drafts),
        },
        status=status,
    )


def access_round(*, user, pk) -> ConsultationRound:
    consultation = (
        ConsultationRound.objects.select_related(
            "proposal",
            "proposal__body",
            "proposal__lead_agency",
            "draft",
            "draft__attachment",
            "request_paper",
        )
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=RoundParty.objects.select_related("answered_by").order_by(
                    "name", "id"
                ),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if consultation is None or not permissions.can_view_round(user, consultation):
        raise Http404
    return consultation


def _answer_forms(request, consultation, parties, failed=None) -> list[dict]:
    """The answer form of each party the user acts for that has not answered."""
    out = []
    sections = consultation.draft.sections or []
    for party in parties:
        if party.answered or not party.acts:
            continue
        if failed and failed["party"].pk == party.pk:
            out.append(failed)
            continue
        prefix = f"{COMMENTS_PREFIX}-{party.pk}"
        out.append(
            {
                "party": party,
                "form": AnswerForm(
                    initial={"version": party.version},
                    auto_id=f"id_answer_{party.pk}_%s",
                ),
                "rows": CommentRows(prefix=prefix, sections=sections),
                "notice": "",
            }
        )
    return out


def _round_response(request, consultation, *, failed=None, notice="", status=200):
    user = request.user
    proposal = consultation.proposal
    member = permissions.can_view_proposal(user, proposal)
    parties = list(consultation.parties.all())
    # Who the user acts for, for every party in one query.
    acting = selectors.acting_party_ids(user=user, proposal=proposal, parties=parties)
    for party in parties:
        party.round = consultation
        party.acts = party.pk in acting
    shown = parties if member else [p for p in parties if p.acts]
    files = selectors.party_files([p.pk for p in shown])
    for party in shown:
        party.files = files.get(party.pk, [])
    is_drafter = workflow.holds(user, proposal, workflow.DRAFTER)
    context = {
        "consultation": consultation,
        "proposal": proposal,
        "member": member,
        "stats": selectors.round_stats(consultation),
        "parties": shown,
        "today": local_today(),
        "can_close": is_drafter and consultation.state == ConsultationRound.State.OPEN,
        "answer_forms": _answer_forms(request, consultation, parties, failed),
        "notice": notice,
    }
    return render_page(request, "proposals/round_detail.html", context, status=status)


@login_required
@require_GET
def round_detail(request, pk: int):
    return _round_response(request, access_round(user=request.user, pk=pk))


@login_required
@require_GET
def round_draft(request, pk: int):
    """The draft asked about, for whoever may see the round (a party outside
    the body cannot open the proposal's own files)."""
    consultation = access_round(user=request.user, pk=pk)
    attachment = consultation.draft.attachment
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def round_close(request, pk: int):
    consultation = access_round(user=request.user, pk=pk)
    if not workflow.holds(request.user, consultation.proposal, workflow.DRAFTER):
        raise PermissionDenied
    try:
        services.round_close(actor=request.user, consultation=consultation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            gettext(
                "The round is closed; parties that did not answer are recorded as "
                "“no comment”."
            ),
        )
    return redirect(consultation.get_absolute_url())


@login_required
@require_POST
def round_answer(request, pk: int, party_pk: int):
    consultation = access_round(user=request.user, pk=pk)
    party = next((p for p in consultation.parties.all() if p.pk == party_pk), None)
    if party is None:
        raise Http404
    party.round = consultation
    if not services.acts_for(request.user, party) and not org_perms.is_admin(
        request.user
    ):
        raise PermissionDenied
    sections = consultation.draft.sections or []
    form = AnswerForm(request.POST, request.FILES, auto_id=f"id_answer_{party.pk}_%s")
    rows = CommentRows(
        request.POST, prefix=f"{COMMENTS_PREFIX}-{party.pk}", sections=sections
    )
    failed = {"party": party, "form": form, "rows": rows, "notice": ""}
    if form.is_valid() and rows.is_valid():
        try:
            services.answer_submit(
                actor=request.user,
                party=party,
                answer=form.cleaned_data["answer"],
                comments=rows.rows(),
                version=form.cleaned_data["version"],
                files=form.cleaned_data["files"],
            )
        except Conflict:
            failed["notice"] = _conflict_text()
            return _round_response(request, consultation, failed=failed, status=409)
        except ValidationError as exc:
            failed["notice"] = " ".join(
                add_service_errors(form, exc, {"comments": None, "file": "files"})
            )
            return _round_response(request, consultation, failed=failed, status=422)
        messages.success(request, gettext("Your answer was recorded. Thank you."))
        return redirect(consultation.get_absolute_url())
    return _round_response(request, consultation, failed=failed, status=422)


# --- synthesis table ---------------------------------------------------------------


def _synthesis_scope(request, pk: int, whole: bool):
    """``(proposal, round or None)``: the body's viewers only (404)."""
    if whole:
        proposal = permissions.access_proposal(user=request.user, pk=pk)
        return proposal, None
    consultation = (
        ConsultationRound.objects.select_related("proposal").filter(pk=pk).first()
    )
    if consultation is None or not permissions.can_view_proposal(
        request.user, consultation.proposal
    ):
        raise Http404
    return consultation.proposal, consultation


def may_respond(user, proposal: Proposal) -> bool:
    from dieuphoi.tasks.notices import PartySeats

    if workflow.holds(user, proposal, workflow.DRAFTER):
        return True
    seats = PartySeats.load(
        local_today(),
        bodies=[proposal.body_id],
        party_agencies=[proposal.lead_agency_id],
    )
    return user.pk in seats.agency(proposal.body_id, proposal.lead_agency_id)


def _groups(rows: list[RoundComment]) -> list[dict]:
    groups: list[dict] = []
    for i, row in enumerate(rows, 1):
        row.number = i
        key = (row.party.round.number, row.section)
        if not groups or groups[-1]["key"] != key:
            groups.append(
                {"key": key, "section": row.section, "round": key[0], "rows": []}
            )
        groups[-1]["rows"].append(row)
    return groups


def _synthesis(request, pk: int, whole: bool, failed=None, status=200):
    proposal, consultation = _synthesis_scope(request, pk, whole)
    rows = selectors.synthesis_rows(proposal=proposal, consultation=consultation)
    can_respond = may_respond(request.user, proposal)
    # Rows are read-only with a "Respond" button that brings one row's form
    # in place (HTMX; ``?edit=<id>`` without JavaScript): a form per row
    # would cost most of the page's time on a round of hundreds of comments.
    editing = (
        params.parse_id_or_none(request.GET.get("edit", "")) if can_respond else None
    )
    for row in rows:
        row.form = None
        if failed and failed[0] == row.pk:
            row.form, row.row_notice = failed[1], failed[2]
        elif row.pk == editing:
            row.form = _response_form(row)
    if whole:
        export = reverse("proposals:synthesis-export", args=[proposal.pk, "xlsx"])
        base = export[: -len("xlsx")]
    else:
        export = reverse("proposals:round-synthesis-export", args=[pk, "xlsx"])
        base = export[: -len("xlsx")]
    return render_page(
        request,
        "proposals/synthesis.html",
        {
            "proposal": proposal,
            "consultation": consultation,
            "groups": _groups(rows),
            "count": len(rows),
            "counts": selectors.response_counts(rows),
            "can_respond": can_respond,
            "export_base": base,
            "scope": "proposal" if whole else "round",
            "respond_prefix": _respond_prefix(),
        },
        status=status,
    )


def _respond_prefix() -> str:
    """``/proposals/comments/``: the rows' "Respond" links add ``<id>/respond/``
    (one ``reverse`` for the table instead of one per row)."""
    return reverse("proposals:respond", args=[0]).removesuffix("0/respond/")


def _response_form(comment: RoundComment) -> ResponseForm:
    return ResponseForm(
        initial={
            "response": comment.response,
            "response_text": comment.response_text,
            "version": comment.version,
        },
        auto_id=f"id_row_{comment.pk}_%s",
    )


@login_required
@require_GET
def synthesis(request, pk: int):
    return _synthesis(request, pk, whole=True)


@login_required
@require_GET
def round_synthesis(request, pk: int):
    return _synthesis(request, pk, whole=False)


@login_required
@require_http_methods(["GET", "POST"])
def comment_respond(request, pk: int):
    """One row of the synthesis table, edited in place (HTMX: the row comes
    back; on a conflict the row shows the saved values and the message,
    with the user's text kept in the form)."""
    comment = (
        RoundComment.objects.select_related(
            "party", "party__round", "party__round__proposal", "responded_by"
        )
        .filter(pk=pk)
        .first()
    )
    if comment is None or not permissions.can_view_proposal(
        request.user, comment.party.round.proposal
    ):
        raise Http404
    proposal = comment.party.round.proposal
    if not may_respond(request.user, proposal):
        raise PermissionDenied
    whole = request.GET.get("scope", request.POST.get("scope")) == "proposal"
    if request.method == "GET":
        # The row's form in place (HTMX), or the table with it open.
        if not _is_htmx(request):
            target = (
                reverse("proposals:synthesis", args=[proposal.pk])
                if whole
                else reverse("proposals:round-synthesis", args=[comment.party.round_id])
            )
            return redirect(f"{target}?edit={comment.pk}#synthesis-row-{comment.pk}")
        comment.form = _response_form(comment)
        comment.number = request.GET.get("number", "")[:10]
        return render_page(
            request,
            "proposals/synthesis.html",
            {
                "row": comment,
                "can_respond": True,
                "scope": "proposal" if whole else "round",
                "respond_prefix": _respond_prefix(),
            },
            "synthesis-row",
        )
    form = ResponseForm(request.POST, auto_id=f"id_row_{comment.pk}_%s")
    notice = ""
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            comment = services.comment_respond(
                actor=request.user,
                comment=comment,
                version=data["version"],
                response=data["response"],
                text=data["response_text"],
            )
        except Conflict:
            comment = RoundComment.objects.select_related(
                "party", "party__round", "responded_by"
            ).get(pk=comment.pk)
            notice = gettext(
                "Someone else saved this row meanwhile: their response is shown "
                "above, yours is kept in the form. Save again to replace theirs."
            )
            post = request.POST.copy()
            post["version"] = str(comment.version)
            form = ResponseForm(post, auto_id=f"id_row_{comment.pk}_%s")
            form.is_valid()
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            # Saved: the row reads as saved again (its form closes).
            form = None
            if not _is_htmx(request):
                messages.success(request, gettext("The response was saved."))
                return redirect(
                    reverse("proposals:round-synthesis", args=[comment.party.round_id])
                    + f"#synthesis-row-{comment.pk}"
                )
    else:
        status = 422
    if not _is_htmx(request):
        # The whole table again, this row with the user's input and the message.
        return _synthesis(
            request,
            proposal.pk if whole else comment.party.round_id,
            whole=whole,
            failed=(comment.pk, form, notice),
            status=status,
        )
    comment.form = form
    comment.number = request.POST.get("number", "")[:10]
    # HTMX swaps only 2xx answers by default: the row comes back with 200 and
    # says what happened; the counts above the table follow (out of band).
    rows = selectors.synthesis_rows(
        proposal=proposal, consultation=None if whole else comment.party.round
    )
    return render_page(
        request,
        "proposals/synthesis.html",
        {
            "row": comment,
            "can_respond": True,
            "row_notice": notice,
            "scope": "proposal" if whole else "round",
            "respond_prefix": _respond_prefix(),
            "count": len(rows),
            "counts": selectors.response_counts(rows),
        },
        "synthesis-row-saved",
    )


def _export_content(proposal: Proposal, rows) -> object:
    from dieuphoi.paperwork import content as c

    return c.PaperContent(
        layout="titled",
        governing_body="",
        issuer_lines=[proposal.body.name.upper()],
        reference="",
        place_date="",
        title="BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN",
        subject=proposal.title,
        blocks=[selectors.synthesis_table(rows)],
        annexes=[],
    )


@login_required
@require_GET
def synthesis_export(request, pk: int, fmt: str, whole: bool = True):
    proposal, consultation = _synthesis_scope(request, pk, whole)
    rows = selectors.synthesis_rows(proposal=proposal, consultation=consultation)
    stem = f"tong-hop-y-kien-{proposal.pk}" + (
        f"-lan-{consultation.number}" if consultation else ""
    )
    if fmt == "xlsx":
        content, ctype = synthesis_xlsx(rows), XLSX
    elif fmt in ("docx", "pdf"):
        from dieuphoi.paperwork.render_docx import render_docx
        from dieuphoi.paperwork.render_pdf import render_pdf

        paper = _export_content(proposal, rows)
        _landscape(paper)
        if fmt == "docx":
            content, ctype = render_docx(paper), DOCX
        else:
            content, ctype = render_pdf(paper), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _landscape(paper) -> None:
    """The table is wide: the whole export goes on landscape pages, as the
    table of an annex."""
    from dieuphoi.paperwork import content as c

    table = paper.blocks[0]
    paper.blocks = []
    paper.annexes = [
        c.Annex(
            title="",
            subtitle="BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN",
            note=f"({paper.subject})",
            landscape=True,
            blocks=(table,),
        )
    ]


def synthesis_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    from dieuphoi.core import xlsx

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tong hop")
    sheet.append(xlsx.row(sheet, selectors.SYNTHESIS_COLUMNS))
    for i, r in enumerate(rows, 1):
        sheet.append(
            xlsx.row(
                sheet,
                [
                    i,
                    r.section or "Ý kiến chung",
                    r.party.name,
                    r.text,
                    selectors.RESPONSE_TEXT.get(r.response, ""),
                    r.response_text,
                ],
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
