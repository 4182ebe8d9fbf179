"""Pages of inspections and supervision (thin: permissions, selectors,
services).

| URL name | who |
|---|---|
| ``list`` | anyone signed in: the inspections they may see; none for an outsider |
| ``create`` | managers of a body (leader, deputy, secretariat, specialists), administrators: 403 otherwise |
| ``detail`` | who may see the inspection (404 otherwise) |
| ``edit``, ``finding-add``, ``finding-convert``, ``convert-all``, ``transition``, ``conclusion`` | the inspection's managers (403 for other viewers, 404 for the rest) |

Every write is one service call; a stale version is a 409 with a message
and the input kept. The findings section (figures, findings, the add form)
is one HTMX fragment (``work``): adding a finding or turning one into a
task swaps it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Body
from dieuphoi.tasks import buckets
from dieuphoi.tasks.forms import Choices
from dieuphoi.tasks.sources import source_key

from . import permissions, selectors, services, workflow
from .forms import (
    FindingForm,
    InspectionEditForm,
    InspectionFilterForm,
    InspectionForm,
    edit_initial,
)
from .models import Inspection


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _conflict_text() -> str:
    return gettext(
        "Someone changed this while you were working on it. Nothing was saved; "
        "your input is kept below. Check their change, then save again."
    )


def _url(name: str, params: dict, args=None) -> str:
    base = reverse(name, args=args)
    return f"{base}?{urlencode(params)}" if params else base


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- list --------------------------------------------------------------------------


@login_required
@require_GET
def inspection_list(request):
    """The filtered list, newest plan first, with each row's follow-up
    figures; ``after`` (a cursor) asks for the next rows."""
    filters, errors = selectors.parse_filters(request.GET)
    after = request.GET.get("after") or None
    page = None
    if not errors:
        try:
            page = selectors.inspection_list(
                user=request.user, filters=filters, after=after
            )
        except ValidationError as exc:
            errors = {"after": _messages_of(exc)}
    more_url = ""
    if page and page.next_cursor:
        more_url = _url(
            "inspections:list", {**filters.to_params(), "after": page.next_cursor}
        )
    context = {
        "inspections": page.items if page else [],
        "more_url": more_url,
        "first_page": not after,
        "errors": errors,
    }
    partial = "inspection-rows" if after else "inspection-page"
    if not after or not _is_htmx(request):
        context.update(
            form=InspectionFilterForm(request.GET, choices=Choices(), errors=errors),
            can_create=permissions.may_create(request.user),
        )
    return render_page(request, "inspections/inspection_list.html", context, partial)


# --- create / edit -----------------------------------------------------------------


def _form_choices(request, body: Body, inspection: Inspection | None = None):
    from dieuphoi.core.params import parse_date_or_none

    on = None
    if request.method == "POST":
        on = parse_date_or_none(request.POST.get("planned_on") or "")
    if on is None and inspection is not None:
        on = inspection.planned_on
    extra = list(inspection.subject_agencies.all()) if inspection else []
    return Choices(
        bodies=[body],
        on=on or local_today(),
        extra_parties=extra,
        extra_owner=inspection.leader if inspection else None,
        extra_document=inspection.plan_document if inspection else None,
    )


MATTER_LIMIT = 300


def _matters(body: Body, linked=()) -> dict:
    from dieuphoi.matters.models import Matter

    found = {
        m.pk: m
        for m in Matter.objects.filter(body=body)
        .only("id", "title", "body_id")
        .order_by("-id")[:MATTER_LIMIT]
    }
    for m in linked:
        found.setdefault(m.pk, m)
    return found


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request):
    bodies = permissions.manager_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    body = bodies[0]
    if request.method == "POST" and len(bodies) > 1:
        chosen = request.POST.get("body")
        body = next((b for b in bodies if str(b.pk) == chosen), body)
    form = InspectionForm(
        request.POST or None,
        choices=_form_choices(request, body),
        bodies=bodies,
        matters=_matters(body),
        initial={
            "body": body.pk,
            "planned_on": local_today(),
            "kind": Inspection.Kind.INSPECTION,
        },
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                inspection = services.inspection_create(
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The inspection was planned."))
                return redirect(inspection.get_absolute_url())
    return render_page(
        request,
        "inspections/inspection_form.html",
        {"form": form, "inspection": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_edit(request, pk: int):
    inspection = permissions.access_inspection(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    choices = _form_choices(request, inspection.body, inspection)
    matters = _matters(inspection.body, inspection.matters.all())
    form = InspectionEditForm(
        request.POST or None,
        choices=choices,
        matters=matters,
        initial=edit_initial(inspection),
    )
    conflict = ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                inspection = services.inspection_update(
                    actor=request.user,
                    inspection=inspection,
                    version=form.cleaned_data["version"],
                    **form.service_kwargs(),
                )
            except Conflict:
                conflict = _conflict_text()
                current = Inspection.objects.get(pk=inspection.pk)
                post = request.POST.copy()
                post["version"] = str(current.version)
                form = InspectionEditForm(
                    post,
                    choices=choices,
                    matters=matters,
                    initial=edit_initial(current),
                )
                form.is_valid()
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The inspection was saved."))
                return redirect(inspection.get_absolute_url())
    return render_page(
        request,
        "inspections/inspection_form.html",
        {"form": form, "inspection": inspection, "conflict": conflict},
        status=status,
    )


# --- the inspection page -----------------------------------------------------------


FIGURES = (
    (buckets.COMPLETED_ON_TIME, "success"),
    (buckets.COMPLETED_LATE, "warning"),
    (buckets.IN_PROGRESS_WITHIN_DEADLINE, "primary"),
    (buckets.OVERDUE, "danger"),
)


def figure_links(inspection_pk: int, followup) -> list[dict]:
    """The follow-up numbers, each linking to the tasks it counts (the
    inspection page's follow-up table, filtered by bucket)."""
    base = reverse("inspections:detail", args=[inspection_pk])
    return [
        {
            "name": name,
            "label": buckets.bucket_label(name),
            "count": getattr(followup, name),
            "tone": tone,
            "url": f"{base}?{urlencode({'bucket': name})}#followup",
        }
        for name, tone in FIGURES
    ]


def _work_context(request, inspection: Inspection, **extra) -> dict:
    """The findings section: figures, follow-up tasks, findings, the forms."""
    can_edit = permissions.can_change_inspection(request.user, inspection)
    findings = selectors.finding_rows(inspection)
    followup = selectors.followup_figures([inspection.pk])[inspection.pk]
    bucket = request.GET.get("bucket") or ""
    if bucket not in buckets.BUCKETS:
        bucket = ""
    agencies = list(inspection.subject_agencies.order_by("name"))
    may_add = can_edit and inspection.state in workflow.FINDING_STATES
    may_convert = can_edit and inspection.state in workflow.CONVERT_STATES
    for f in findings:
        f.source_key = source_key(f)
        f.can_convert = may_convert and not f.is_converted
    return {
        "inspection": inspection,
        "findings": findings,
        "followup": followup,
        "figures": figure_links(inspection.pk, followup),
        "followup_tasks": selectors.followup_tasks(inspection, bucket=bucket or None),
        "bucket": bucket,
        "bucket_label": buckets.bucket_label(bucket) if bucket else "",
        "can_edit": can_edit,
        "internals": permissions.can_see_internals(request.user, inspection),
        "may_convert": may_convert,
        "pending_count": sum(1 for f in findings if f.can_convert),
        "finding_form": extra.pop("finding_form", None)
        or (FindingForm(agencies=agencies) if may_add else None),
        **extra,
    }


def _detail_response(request, inspection: Inspection, *, status=200, **extra):
    inspection = (
        Inspection.objects.select_related(
            "body", "leader", "created_by", "plan_document", "conclusion_paper"
        )
        .prefetch_related("subject_agencies", "members")
        .get(pk=inspection.pk)
    )
    internals = permissions.can_see_internals(request.user, inspection)
    context = {
        **_work_context(request, inspection, **extra),
        "actions": workflow.allowed_actions(request.user, inspection),
        "editable": inspection.state in workflow.EDITABLE_STATES,
        "may_conclude": permissions.can_change_inspection(request.user, inspection)
        and inspection.state in workflow.CONCLUSION_STATES
        and (
            inspection.conclusion_paper is None
            or inspection.conclusion_paper.state == "withdrawn"
        ),
        "matters": _visible_matters(request.user, inspection),
        "events": audit_timeline(target=inspection, limit=50) if internals else None,
    }
    return render_page(
        request, "inspections/inspection_detail.html", context, status=status
    )


def _visible_matters(user, inspection: Inspection) -> list:
    from dieuphoi.matters import permissions as matter_perms

    return list(
        matter_perms.visible(user)
        .filter(inspections=inspection)
        .only("id", "title")
        .order_by("title")
    )


@login_required
@require_GET
def inspection_detail(request, pk: int):
    inspection = permissions.access_inspection(user=request.user, pk=pk)
    return _detail_response(request, inspection)


def _work_fragment(request, inspection, *, status=200, **extra):
    return render_page(
        request,
        "inspections/inspection_detail.html",
        _work_context(request, inspection, **extra),
        "work",
        status=status,
    )


@login_required
@require_POST
def finding_add(request, pk: int):
    inspection = permissions.access_inspection(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    agencies = list(inspection.subject_agencies.order_by("name"))
    form = FindingForm(request.POST, request.FILES, agencies=agencies)
    if form.is_valid():
        try:
            services.finding_add(
                actor=request.user, inspection=inspection, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if _is_htmx(request):
                return _work_fragment(request, inspection, added=True)
            messages.success(request, gettext("The finding was recorded."))
            return redirect(f"{inspection.get_absolute_url()}#findings")
    if _is_htmx(request):
        # HTMX swaps 2xx answers only: the section comes back with the errors.
        return _work_fragment(request, inspection, finding_form=form)
    return _detail_response(request, inspection, finding_form=form, status=422)


def _after_convert(request, inspection, *, notice: str = "", ok: str = ""):
    if _is_htmx(request):
        return _work_fragment(request, inspection, notice=notice, converted=ok)
    if notice:
        return _detail_response(request, inspection, notice=notice, status=422)
    messages.success(request, ok)
    return redirect(f"{inspection.get_absolute_url()}#findings")


@login_required
@require_POST
def finding_convert(request, pk: int, fid: int):
    """One recommendation becomes a follow-up task (once)."""
    finding = permissions.access_finding(
        user=request.user, inspection_pk=pk, pk=fid, perm=permissions.CHANGE
    )
    try:
        task = services.finding_convert(actor=request.user, finding=finding)
    except ValidationError as exc:
        return _after_convert(request, finding.inspection, notice=_messages_of(exc))
    return _after_convert(
        request,
        finding.inspection,
        ok=gettext("Finding %(n)s is now the task %(code)s.")
        % {"n": finding.order, "code": task.code},
    )


@login_required
@require_POST
def findings_convert_all(request, pk: int):
    """Every finding not yet converted becomes its task, all or none."""
    inspection = permissions.access_inspection(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    try:
        tasks = services.findings_convert_all(actor=request.user, inspection=inspection)
    except ValidationError as exc:
        return _after_convert(request, inspection, notice=_messages_of(exc))
    return _after_convert(
        request,
        inspection,
        ok=ngettext(
            "%(n)s follow-up task was created.",
            "%(n)s follow-up tasks were created.",
            len(tasks),
        )
        % {"n": len(tasks)},
    )


@login_required
@require_POST
def inspection_transition(request, pk: int):
    inspection = permissions.access_inspection(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    action = request.POST.get("action", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.inspection_transition(
            actor=request.user, inspection=inspection, action=action, version=version
        )
    except Conflict:
        messages.error(request, _conflict_text())
        return redirect(inspection.get_absolute_url())
    except ValidationError as exc:
        return _detail_response(
            request, inspection, page_notice=_messages_of(exc), status=422
        )
    messages.success(request, gettext("The inspection's state was changed."))
    return redirect(inspection.get_absolute_url())


@login_required
@require_POST
def conclusion_create(request, pk: int):
    """The Thông báo kết luận drafted from the findings (documents engine)."""
    inspection = permissions.access_inspection(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    try:
        paper = services.conclusion_create(actor=request.user, inspection=inspection)
    except ValidationError as exc:
        return _detail_response(
            request, inspection, page_notice=_messages_of(exc), status=422
        )
    messages.success(
        request,
        gettext("The conclusion document was drafted: check and submit it."),
    )
    return redirect(reverse("paperwork:detail", args=[paper.pk]))
