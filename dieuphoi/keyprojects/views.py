"""Pages of key projects (thin: permissions, selectors, services).

| URL name | who |
|---|---|
| ``list``, ``timeline`` | anyone signed in: the projects they may see (``permissions``); none for an outsider |
| ``create`` | managers of a body (leader, deputy, secretariat, specialists), administrators: 403 otherwise |
| ``detail`` | who may see the project (404 otherwise) |
| ``edit``, ``phase-add``, ``milestone-add``, ``milestone-edit``, ``milestone-complete`` | the project's managers (403 for other viewers, 404 for the rest) |

Every write is one service call; a stale version is a 409 with a message
and the input kept (an HTMX fragment comes back with 200 and says so).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import Choices

from . import permissions, selectors, services
from .forms import (
    TASK_LIMIT,
    CompleteForm,
    MilestoneEditForm,
    MilestoneForm,
    PhaseForm,
    ProjectEditForm,
    ProjectFilterForm,
    ProjectForm,
    edit_initial,
    money_text,
)
from .models import KeyProject, Milestone


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _conflict_text() -> str:
    return gettext(
        "Someone changed this while you were working on it. Nothing was saved; "
        "your input is kept below. Check their change, then save again."
    )


def _url(name: str, params: dict) -> str:
    base = reverse(name)
    return f"{base}?{urlencode(params)}" if params else base


# --- list and timeline -------------------------------------------------------------


def _filter_context(request, filters, errors) -> dict:
    params = filters.to_params()
    return {
        "form": ProjectFilterForm(request.GET, choices=Choices(), errors=errors),
        "errors": errors,
        "filters": filters,
        "can_create": permissions.may_create(request.user),
        "list_url": _url("keyprojects:list", params),
        "timeline_url": _url("keyprojects:timeline", params),
        "late_url": _url("keyprojects:list", {**params, "late": "1"}),
    }


@login_required
@require_GET
def project_list(request):
    """The filtered list with its counts, newest decision first; ``after``
    (a cursor) asks for the next rows (the "load more" fragment)."""
    filters, errors = selectors.parse_filters(request.GET)
    after = request.GET.get("after") or None
    page = None
    if not errors:
        try:
            page = selectors.project_list(
                user=request.user, filters=filters, after=after
            )
        except ValidationError as exc:
            errors = {"after": " ".join(exc.messages)}
    more_url = ""
    if page and page.next_cursor:
        more_url = _url(
            "keyprojects:list", {**filters.to_params(), "after": page.next_cursor}
        )
    context = {
        "projects": page.items if page else [],
        "more_url": more_url,
        "first_page": not after,
        "errors": errors,
    }
    partial = "project-rows" if after else "project-page"
    if not after or not _is_htmx(request):
        context.update(_filter_context(request, filters, errors))
        context["summary"] = (
            None
            if errors
            else selectors.project_summary(user=request.user, filters=filters)
        )
    return render_page(request, "keyprojects/project_list.html", context, partial)


@login_required
@require_GET
def timeline(request):
    """The milestones of every visible project on one chart (frappe-gantt),
    with the same milestones as a table: the accessible and printable
    equivalent."""
    filters, errors = selectors.parse_filters(request.GET)
    rows = (
        None
        if errors
        else selectors.timeline_milestones(user=request.user, filters=filters)
    )
    milestones = rows.milestones if rows else []
    context = {
        "milestones": milestones,
        "more": bool(rows and rows.more),
        "limit": selectors.TIMELINE_LIMIT,
        "gantt": selectors.gantt_rows(milestones),
        "late_count": sum(
            1 for m in milestones if m.status_value == Milestone.Status.LATE
        ),
        **_filter_context(request, filters, errors),
    }
    return render_page(request, "keyprojects/timeline.html", context, "timeline-page")


# --- create / edit -----------------------------------------------------------------


def _proposals(body: Body, current=None) -> dict:
    from dieuphoi.proposals.models import Proposal

    found = {
        p.pk: p
        for p in Proposal.objects.filter(
            body=body, state__in=services.ADOPTED_STATES
        ).order_by("-proposed_on", "-id")[:200]
    }
    if current is not None:
        found.setdefault(current.pk, current)
    return found


def _task_choices(body: Body, linked=()) -> dict:
    from dieuphoi.tasks.models import Task

    found = {
        t.pk: t
        for t in Task.objects.filter(body=body)
        .only("id", "code", "title", "body_id")
        .order_by("-assigned_on", "-id")[:TASK_LIMIT]
    }
    for task in linked:
        found.setdefault(task.pk, task)
    return found


def _form_choices(request, body: Body, project: KeyProject | None = None) -> Choices:
    on = None
    if request.method == "POST":
        from dieuphoi.core.params import parse_date_or_none

        on = parse_date_or_none(request.POST.get("decided_on") or "")
    if on is None and project is not None:
        on = project.decided_on
    extra = []
    if project is not None:
        extra = [project.lead_agency, *project.locations.all()]
    return Choices(bodies=[body], on=on or local_today(), extra_parties=extra)


def _from_proposal(proposal) -> dict:
    """A key project's form filled from the proposal it carries out: name,
    lead agency, provinces and the budget by source (as text, 1.000.000)."""
    from dieuphoi.core.money import money_text

    return {
        "proposal": proposal,
        "name": proposal.title,
        "lead_agency": proposal.lead_agency,
        "locations": list(proposal.provinces.all()),
        "capital_central": money_text(proposal.budget_central),
        "capital_city": money_text(proposal.budget_city),
        "capital_provinces": money_text(proposal.budget_provinces),
        "capital_other": money_text(proposal.budget_other),
    }


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    bodies = permissions.manager_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    body = bodies[0]
    if request.method == "POST" and len(bodies) > 1:
        chosen = request.POST.get("body")
        body = next((b for b in bodies if str(b.pk) == chosen), body)
    proposals = _proposals(body)
    initial = {
        "body": body.pk,
        "decided_on": local_today(),
        "state": KeyProject.State.PREPARING,
    }
    # From an adopted proposal (its page links here): its facts pre-filled.
    source = proposals.get(params.parse_id_or_none(request.GET.get("proposal", "")))
    if source is not None and request.method == "GET":
        initial.update(_from_proposal(source))
    form = ProjectForm(
        request.POST or None,
        choices=_form_choices(request, body),
        bodies=bodies,
        proposals=proposals,
        tasks=_task_choices(body),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                project = services.project_create(
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The key project was created."))
                return redirect(project.get_absolute_url())
    return render_page(
        request,
        "keyprojects/project_form.html",
        {"form": form, "project": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    project = permissions.access_project(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    linked = list(project.tasks.all())
    kwargs = {
        "choices": _form_choices(request, project.body, project),
        "proposals": _proposals(project.body, project.proposal),
        "tasks": _task_choices(project.body, linked),
    }
    form = ProjectEditForm(
        request.POST or None, initial=edit_initial(project), **kwargs
    )
    conflict = ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                project = services.project_update(
                    actor=request.user,
                    project=project,
                    version=form.cleaned_data["version"],
                    **form.service_kwargs(),
                )
            except Conflict:
                conflict = _conflict_text()
                current = KeyProject.objects.get(pk=project.pk)
                post = request.POST.copy()
                post["version"] = str(current.version)
                form = ProjectEditForm(post, initial=edit_initial(current), **kwargs)
                form.is_valid()
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The key project was saved."))
                return redirect(project.get_absolute_url())
    return render_page(
        request,
        "keyprojects/project_form.html",
        {"form": form, "project": project, "conflict": conflict},
        status=status,
    )


# --- the project page --------------------------------------------------------------


CAPITAL_LABELS = {
    "capital_central": _("Central budget"),
    "capital_city": _("City budget"),
    "capital_provinces": _("Provinces' budgets"),
    "capital_other": _("Other sources"),
}


def _capital_rows(project: KeyProject) -> list[tuple[str, str]]:
    return [
        (CAPITAL_LABELS[name], money_text(value))
        for name in KeyProject.CAPITAL_FIELDS
        if (value := getattr(project, name)) is not None
    ]


def _milestone_context(request, project: KeyProject, **extra) -> dict:
    """The milestones section: phases with their milestones, the counts,
    the forms of a manager."""
    on = local_today()
    phases, loose = selectors.project_milestones(project, on)
    rows = [m for p in phases for m in p.rows] + loose
    can_edit = permissions.can_change_project(request.user, project)
    choices = Choices(bodies=[project.body], on=on)
    if can_edit:
        for m in rows:
            if m.actual_on is None:
                m.complete_form = CompleteForm(
                    initial={"actual_on": on, "version": m.version},
                    auto_id=f"id_m{m.pk}_%s",
                )
    failed = extra.pop("failed", None)
    if failed:
        # The row whose completion failed keeps the user's input and message.
        pk, form, notice = failed
        for m in rows:
            if m.pk == pk:
                m.complete_form, m.notice = form, notice
    counts = dict.fromkeys(Milestone.Status.values, 0)
    for m in rows:
        counts[m.status_value] += 1
    return {
        "project": project,
        "phases": phases,
        "loose": loose,
        "milestone_count": len(rows),
        "counts": counts,
        "can_edit": can_edit,
        "milestone_form": extra.pop("milestone_form", None)
        or (
            MilestoneForm(choices=choices, phases=phases, initial={"planned_on": None})
            if can_edit
            else None
        ),
        "phase_form": extra.pop("phase_form", None)
        or (PhaseForm() if can_edit else None),
        **extra,
    }


def _detail_response(request, project: KeyProject, *, status=200, **extra):
    project = (
        KeyProject.objects.select_related(
            "body", "lead_agency", "proposal", "created_by"
        )
        .prefetch_related("locations", "decision_documents")
        .get(pk=project.pk)
    )
    internals = permissions.can_see_internals(request.user, project)
    proposal = None
    if project.proposal is not None:
        from dieuphoi.proposals.permissions import can_view_proposal

        if can_view_proposal(request.user, project.proposal):
            proposal = project.proposal
    context = {
        **_milestone_context(request, project, **extra),
        "capital_rows": _capital_rows(project),
        "total": money_text(project.total_investment),
        "proposal": proposal,
        "linked_tasks": (
            list(
                project.tasks.select_related("lead_agency").order_by("deadline", "code")
            )
            if internals
            else None
        ),
        "events": audit_timeline(target=project, limit=50) if internals else None,
    }
    return render_page(
        request, "keyprojects/project_detail.html", context, status=status
    )


@login_required
@require_GET
def project_detail(request, pk: int):
    project = permissions.access_project(user=request.user, pk=pk)
    return _detail_response(request, project)


@login_required
@require_POST
def phase_add(request, pk: int):
    project = permissions.access_project(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            services.phase_add(
                actor=request.user, project=project, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if _is_htmx(request):
                return _milestones_fragment(request, project)
            messages.success(request, gettext("The phase was added."))
            return redirect(f"{project.get_absolute_url()}#milestones")
    if _is_htmx(request):
        return _milestones_fragment(request, project, phase_form=form)
    return _detail_response(request, project, phase_form=form, status=422)


def _milestones_fragment(request, project, **extra):
    return render_page(
        request,
        "keyprojects/project_detail.html",
        _milestone_context(request, project, **extra),
        "milestones",
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = permissions.access_project(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    phases = list(project.phases.order_by("order", "id"))
    form = MilestoneForm(
        request.POST,
        choices=Choices(bodies=[project.body], on=local_today()),
        phases=phases,
    )
    if form.is_valid():
        try:
            services.milestone_add(
                actor=request.user, project=project, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if _is_htmx(request):
                return _milestones_fragment(request, project, added=True)
            messages.success(request, gettext("The milestone was added."))
            return redirect(f"{project.get_absolute_url()}#milestones")
    if _is_htmx(request):
        # HTMX swaps 2xx answers only: the section comes back with the errors.
        return _milestones_fragment(request, project, milestone_form=form)
    return _detail_response(request, project, milestone_form=form, status=422)


@login_required
@require_POST
def milestone_complete(request, pk: int, mid: int):
    """Mark one milestone done (HTMX: its row comes back, and the counts)."""
    milestone = permissions.access_milestone(
        user=request.user, project_pk=pk, pk=mid, perm=permissions.CHANGE
    )
    project = milestone.project
    form = CompleteForm(request.POST, auto_id=f"id_m{milestone.pk}_%s")
    notice = ""
    status = 200
    if form.is_valid():
        try:
            services.milestone_complete(
                actor=request.user,
                milestone=milestone,
                version=form.cleaned_data["version"],
                actual_on=form.cleaned_data["actual_on"],
            )
        except Conflict:
            current = Milestone.objects.get(pk=milestone.pk)
            post = request.POST.copy()
            post["version"] = str(current.version)
            form = CompleteForm(post, auto_id=f"id_m{milestone.pk}_%s")
            form.is_valid()
            notice = gettext(
                "Someone else changed this milestone meanwhile: its saved values "
                "are shown. Check them, then save again."
            )
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 422
        else:
            if not _is_htmx(request):
                messages.success(request, gettext("The milestone was marked done."))
                return redirect(f"{project.get_absolute_url()}#milestones")
            form = None
    else:
        status = 422
    if not _is_htmx(request):
        return _detail_response(
            request,
            project,
            failed=(milestone.pk, form, notice),
            status=status,
        )
    context = _milestone_context(
        request,
        project,
        failed=(milestone.pk, form, notice) if form is not None else None,
    )
    rows = [m for p in context["phases"] for m in p.rows] + context["loose"]
    context["m"] = next(m for m in rows if m.pk == milestone.pk)
    context["oob"] = True
    return render_page(
        request, "keyprojects/project_detail.html", context, "milestone-saved"
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request, pk: int, mid: int):
    milestone = permissions.access_milestone(
        user=request.user, project_pk=pk, pk=mid, perm=permissions.CHANGE
    )
    project = milestone.project
    phases = list(project.phases.order_by("order", "id"))
    choices = Choices(
        bodies=[project.body],
        on=milestone.planned_on,
        extra_parties=[milestone.responsible_agency],
    )

    def initial(m: Milestone) -> dict:
        return {
            "name": m.name,
            "planned_on": m.planned_on,
            "actual_on": m.actual_on,
            "responsible_agency": m.responsible_agency,
            "phase": m.phase,
            "note": m.note,
            "version": m.version,
        }

    form = MilestoneEditForm(
        request.POST or None, choices=choices, phases=phases, initial=initial(milestone)
    )
    conflict = ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.milestone_update(
                    actor=request.user, milestone=milestone, version=version, **data
                )
            except Conflict:
                conflict = _conflict_text()
                current = Milestone.objects.get(pk=milestone.pk)
                post = request.POST.copy()
                post["version"] = str(current.version)
                form = MilestoneEditForm(
                    post, choices=choices, phases=phases, initial=initial(current)
                )
                form.is_valid()
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The milestone was saved."))
                return redirect(f"{project.get_absolute_url()}#milestones")
    return render_page(
        request,
        "keyprojects/milestone_form.html",
        {
            "form": form,
            "project": project,
            "milestone": milestone,
            "conflict": conflict,
        },
        status=status,
    )


# --- home --------------------------------------------------------------------------


def home_section(request):
    """Late milestones of the key projects, on the home page of a body's
    managers (one query; none for anyone else: the seats are cached by the
    tasks section)."""
    from dieuphoi.tasks.permissions import manager_body_ids, user_seats

    user = request.user
    if not user_seats(user):
        return None
    bodies = manager_body_ids(user)
    if not bodies:
        return None
    counts = selectors.late_milestone_count(body_ids=bodies)
    if not counts["milestones"]:
        return None
    return {
        "template": "keyprojects/home_section.html",
        "context": {
            "counts": counts,
            "late_url": _url("keyprojects:list", {"late": "1"}),
            "timeline_url": _url("keyprojects:timeline", {"late": "1"}),
        },
    }
