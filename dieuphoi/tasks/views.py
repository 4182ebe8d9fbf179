"""Task pages: list (filters, counts, load more), XLSX export, summary,
create, detail (actions, progress, files), edit, and the home section.

Permissions: lists and the summary show the tasks of the bodies the user may
see (``selectors``); a task page needs ``tasks.view_task`` (404 otherwise);
creating needs ``tasks.add_task`` on a body, editing ``tasks.change_task``,
workflow actions the role the workflow table gives (403 otherwise).
Bad filter values show a message at the field and no rows, never a 500.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import (
    HttpResponseClientRedirect,
    push_url,
)

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.labels import action_label
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.docs import selectors as docs_selectors
from dieuphoi.docs import services as docs_services
from dieuphoi.docs.forms import AttachmentForm
from dieuphoi.docs.permissions import can_change_attachments
from dieuphoi.docs.views import attachment_changed_response
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Body

from . import (
    buckets,
    exports,
    selectors,
    services,
    sources,
    workflow,
)
from .detail import (
    detail_context,
    detail_response,
    reporting_of,
    task_attachments_context,
)
from .forms import (
    PARTS_PREFIX,
    Choices,
    PartFormSet,
    ProgressForm,
    TaskEditForm,
    TaskFilterForm,
    TaskForm,
    TransitionForm,
    filter_label,
)
from .models import Task
from .permissions import (
    access_task,
    can_report_progress,
    focal_agency_ids,
    manager_body_ids,
    user_seats,
)
from .rows import list_rows, rows_html, summary_page

S = Task.State


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _wants_fragment(request) -> bool:
    """As ``render_page`` decides: a plain HTMX request gets the fragment."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request)


def _d(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _url(name: str, params: dict | None = None, *args) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(params)}" if params else url


# --- list -------------------------------------------------------------------


def _counts_strip(user, filters, on, counts: dict | None = None) -> list[dict]:
    if counts is None:
        counts = selectors.task_bucket_counts(user=user, filters=filters, on=on)
    base = {k: v for k, v in filters.to_params().items() if k != "bucket"}
    strip = [
        {
            "name": "total",
            "label": gettext("Total"),
            "count": counts["total"],
            "url": _url("tasks:list", base),
            "active": not filters.bucket,
        }
    ]
    for name in buckets.BUCKETS:
        strip.append(
            {
                "name": name,
                "label": buckets.bucket_label(name),
                "count": counts[name],
                "url": _url("tasks:list", {**base, "bucket": name}),
                "active": filters.bucket == name,
            }
        )
    return strip


ADVANCED_FILTERS = frozenset(
    {
        "warning",
        "state",
        "cooperating_agency",
        "province",
        "record_only",
        "is_key",
        "extended",
        "deadline_from",
        "deadline_to",
        "assigned_from",
        "assigned_to",
        "source_document",
        "on",
    }
)


def _non_empty_params(request) -> tuple[list, bool]:
    """The query's parameters without the empty ones and the default sort,
    and whether any were dropped."""
    raw = [(k, v) for k, values in request.GET.lists() for v in values]
    clean = [
        (k, v)
        for k, v in raw
        if v.strip() and not (k == "sort" and v == selectors.DEFAULT_SORT)
    ]
    return clean, len(clean) != len(raw)


def _filter_form(request, filters, errors) -> TaskFilterForm:
    source = None
    if filters.source_document:
        source = docs_selectors.document_get(
            user=request.user, pk=filters.source_document
        )
    return TaskFilterForm(
        request.GET,
        filters=filters,
        errors=errors,
        choices=Choices(),
        source_document=source,
    )


@login_required
@require_GET
def task_list(request):
    """The filtered list; ``after`` (a cursor) asks for the next rows.

    The filter form submits every field; the empty ones are dropped from the
    address (a redirect, or ``HX-Push-Url`` for HTMX) so a shared link shows
    only the filters that are set.
    """
    clean, had_empty = _non_empty_params(request)
    if had_empty and not _is_htmx(request):
        return redirect(f"{request.path}?{urlencode(clean)}" if clean else request.path)
    filters, errors = selectors.parse_task_filters(request.GET)
    on = filters.on or local_today()
    params = filters.to_params()
    counts_url = _url("tasks:list", {**params, "part": "counts"})
    counts_loaded = request.GET.get("part") == "counts"
    filters_asked = request.GET.get("part") == "filters"
    if filters_asked and _wants_fragment(request):
        # The advanced filters, loaded when the user opens their section: a
        # closed section sets none of them, so most list views never draw
        # its thirteen fields (three quarters of the form's cost).
        context = {"form": _filter_form(request, filters, errors)}
        return render_page(request, "tasks/task_list.html", context, "more-filters")
    if counts_loaded and _wants_fragment(request):
        # The counts strip, loaded by the page after it shows: counting the
        # whole filtered set costs more than the page of rows.
        context = {
            "counts": _counts_strip(request.user, filters, on) if not errors else [],
            "counts_loaded": True,
            "counts_url": counts_url,
            "errors": errors,
        }
        return render_page(request, "tasks/task_list.html", context, "task-counts")
    after = request.GET.get("after") or None
    rows = None
    if not errors:
        try:
            rows = list_rows(user=request.user, filters=filters, on=on, after=after)
        except ValidationError as exc:
            errors = {"after": " ".join(exc.messages)}
    context = {
        "rows_html": rows.html
        if rows
        else rows_html([], first_page=not after, errors=errors),
        "task_ids": rows.task_ids if rows else (),
        "errors": errors,
        "more_url": rows.more_url if rows else "",
        "on": on,
        "filters": filters,
        "export_url": _url("tasks:export", params),
        "summary_url": _url("tasks:summary", {"on": on.isoformat()}),
        "can_create": _may_create(request.user),
        # Open (and drawn in the page) when one of them is set or asked for;
        # closed, the section loads its fields when opened (``part=filters``).
        "advanced_open": filters_asked
        or bool(ADVANCED_FILTERS & ({k for k, _v in clean} | set(errors))),
    }
    partial = "task-rows" if after else "task-page"
    if not (after and _wants_fragment(request)):
        # The filter form and the counts only on the page (not "load more").
        context["form"] = _filter_form(request, filters, errors)
        context["more_filters_url"] = _url("tasks:list", {**params, "part": "filters"})
        # Counts already cached are shown in the page; the others load by the
        # strip's own request after the page shows (``part=counts``).
        ready = None
        if not counts_loaded and not errors:
            ready = selectors.task_bucket_counts_ready(
                user=request.user, filters=filters, on=on
            )
        context["counts_url"] = counts_url
        context["counts_loaded"] = counts_loaded or ready is not None
        if filters.source:
            context["source_filter"] = sources.source_record_for_key(
                filters.source, request.user
            )
            context["source_clear_url"] = _url(
                "tasks:list",
                {k: v for k, v in filters.to_params().items() if k != "source"},
            )
        # Counted here only when asked without HTMX (the placeholder's link);
        # counts already cached are shown as they are.
        context["counts"] = (
            SimpleLazyObject(lambda: _counts_strip(request.user, filters, on, ready))
            if context["counts_loaded"] and not errors
            else []
        )
    response = render_page(request, "tasks/task_list.html", context, partial)
    if had_empty and not after:
        push_url(
            response, f"{request.path}?{urlencode(clean)}" if clean else request.path
        )
    return response


@login_required
@require_GET
def task_export(request):
    """The filtered list as XLSX; bad filters go back to the list's messages."""
    filters, errors = selectors.parse_task_filters(request.GET)
    if errors:
        return redirect(_url("tasks:list", request.GET.dict()))
    on = filters.on or local_today()
    content, filename = exports.tasks_xlsx(user=request.user, filters=filters, on=on)
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- summary ----------------------------------------------------------------


@login_required
@require_GET
def task_summary(request):
    filters, errors = selectors.parse_task_filters(request.GET)
    on = filters.on or local_today()
    context = {
        "summary_page": None
        if errors
        else summary_page(user=request.user, filters=filters, on=on),
        "on": on,
        "record_only": filters.record_only,
        "errors": errors,
        "error_list": [(filter_label(k), v) for k, v in errors.items()],
        "on_value": (
            filters.on.strftime("%d/%m/%Y")
            if filters.on and "on" not in errors
            else request.GET.get("on", "")
        ),
    }
    return render_page(request, "tasks/task_summary.html", context)


# --- create and edit --------------------------------------------------------


def _creatable_bodies(user) -> list[Body]:
    """Bodies (existing today) where ``user`` may assign tasks."""
    today = local_today()
    if org_perms.is_admin(user):
        qs = Body.objects.as_of(today)
    else:
        user_seats(user)
        ids = manager_body_ids(user)
        if not ids:
            return []
        qs = Body.objects.as_of(today).filter(pk__in=sorted(ids))
    return list(qs.order_by("kind", "name"))


def _may_create(user) -> bool:
    """Whether to offer "Assign a task" (no query once the seats are loaded)."""
    user_seats(user)
    return org_perms.is_admin(user) or bool(manager_body_ids(user))


SERVICE_FIELD_NAMES = {"recurrence": "deadline_kind", "cooperating": None}


def _party(p: dict):
    """The co-operating party of a parts row (an agency or a team)."""
    return p.get("party") or p.get("agency") or p.get("body")


def _parts_key(parts) -> list[tuple]:
    return sorted(
        (
            (type(_party(p)).__name__, _party(p).pk),
            p["description"].strip(),
            p["deadline"],
        )
        for p in parts
    )


def _posted_date(request, name: str) -> datetime.date | None:
    """A date the user posted (dd/mm/yyyy or ISO), for the pickers; ``None``
    when absent or malformed (the form reports it)."""
    raw = (request.POST.get(name) or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(raw, fmt).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request):
    bodies = _creatable_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    choices = Choices(bodies=bodies, on=_posted_date(request, "assigned_on"))
    form = TaskForm(
        request.POST or None,
        choices=choices,
        bodies=bodies,
        initial={
            "body": bodies[0].pk,
            "assigned_on": local_today(),
            "deadline_kind": "date",
        },
    )
    formset = PartFormSet(request.POST or None, prefix=PARTS_PREFIX, choices=choices)
    part_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        body = form.cleaned_data["body"]
        if not request.user.has_perm("tasks.add_task", body):
            raise PermissionDenied
        try:
            task = services.task_create(
                actor=request.user,
                body=body,
                cooperating=formset.parts(),
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            part_errors = add_service_errors(form, exc, SERVICE_FIELD_NAMES)
        else:
            messages.success(
                request,
                gettext("Task %(code)s was assigned to %(agency)s.")
                % {"code": task.code, "agency": task.lead_agency},
            )
            url = reverse("tasks:detail", args=[task.pk])
            if _is_htmx(request):
                return HttpResponseClientRedirect(url)
            return redirect(url)
    context = {
        "form": form,
        "formset": formset,
        "part_errors": part_errors,
        "task": None,
        "conflict": None,
    }
    return render_page(request, "tasks/task_form.html", context, "task-form")


def _edit_initial(task: Task) -> tuple[dict, list[dict]]:
    initial = {
        "title": task.title,
        "description": task.description,
        "source_document": task.source_document,
        "source_text": task.source_text,
        "lead_agency": task.lead_agency,
        "owner": task.owner,
        "sector": task.sector,
        "provinces": list(task.provinces.all()),
        "is_key": task.is_key,
        "recurrence": task.recurrence,
        "version": task.version,
    }
    # The picker's field is named "agency" and takes either kind of party.
    parts = [
        {
            "agency": p.party,
            "party": p.party,
            "description": p.description,
            "deadline": p.deadline,
        }
        for p in task.parts.all()
    ]
    return initial, parts


def _show(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.date):
        return _d(value)
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if hasattr(value, "reference"):
        return value.reference
    return str(value)


def _parts_display(parts: list[dict]) -> str:
    out = []
    for p in sorted(parts, key=lambda p: str(_party(p))):
        text = str(_party(p))
        if p.get("description"):
            text += f": {p['description']}"
        if p.get("deadline"):
            text += f" ({_d(p['deadline'])})"
        out.append(text)
    return "; ".join(out)


def _conflict_details(form, formset, current: Task) -> dict:
    """Fields where the saved task now differs from what was submitted."""
    initial, parts = _edit_initial(current)
    data = getattr(form, "cleaned_data", {}) or {}
    rows = []
    for name in (
        "title",
        "description",
        "source_document",
        "source_text",
        "lead_agency",
        "owner",
        "sector",
        "provinces",
        "is_key",
        "recurrence",
    ):
        theirs = initial[name]
        yours = data.get(name)
        if name == "recurrence":
            labels = dict(Task.Recurrence.choices)
            theirs, yours = labels.get(theirs, theirs), labels.get(yours or "", yours)
        if name == "provinces":
            theirs = sorted(str(u) for u in theirs)
            yours = sorted(str(u) for u in (yours or []))
        if _show(theirs) != _show(yours):
            rows.append(
                {
                    "label": form.fields[name].label,
                    "theirs": _show(theirs),
                    "yours": _show(yours),
                }
            )
    if formset.is_valid() and _parts_key(formset.parts()) != _parts_key(parts):
        rows.append(
            {
                "label": gettext("Co-operating agencies"),
                "theirs": _parts_display(parts),
                "yours": _parts_display(formset.parts()),
            }
        )
    events = audit_timeline(target=current, limit=20)
    last = events[0] if events else None
    return {
        "rows": rows,
        "actor": (last.actor_name if last else "") or gettext("someone else"),
        "action": action_label(last.action) if last else "",
        "at": last.created_at if last else current.updated_at,
        "state": current.get_state_display(),
        "deadline": _d(current.deadline),
        "progress": current.progress,
    }


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk: int):
    task = access_task(user=request.user, pk=pk, perm="tasks.change_task")
    choices = Choices(
        bodies=[task.body],
        extra_document=task.source_document,
        extra_owner=task.owner,
        on=task.assigned_on,
        extra_parties=[task.lead_agency, *(p.party for p in task.parts.all())],
    )
    initial, initial_parts = _edit_initial(task)
    form = TaskEditForm(request.POST or None, initial=initial, choices=choices)
    formset = PartFormSet(
        request.POST or None,
        prefix=PARTS_PREFIX,
        initial=initial_parts,
        choices=choices,
    )
    conflict = None
    part_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = form.service_kwargs()
        parts = formset.parts()
        # Only a real change of the co-operating agencies is sent: a closed
        # task refuses any change of them.
        if _parts_key(parts) != _parts_key(initial_parts):
            fields["cooperating"] = parts
        try:
            task = services.task_update(
                actor=request.user,
                task=task,
                version=form.cleaned_data["version"],
                **fields,
            )
        except Conflict:
            current = access_task(user=request.user, pk=pk, perm="tasks.change_task")
            conflict = _conflict_details(form, formset, current)
            # Saving again now means "keep mine": the form carries the version
            # the user has just been shown.
            post = request.POST.copy()
            post["version"] = str(current.version)
            form = TaskEditForm(post, initial=initial, choices=choices)
            form.is_valid()
            task = current
        except ValidationError as exc:
            part_errors = add_service_errors(form, exc, SERVICE_FIELD_NAMES)
        else:
            messages.success(
                request, gettext("Task %(code)s was saved.") % {"code": task.code}
            )
            url = reverse("tasks:detail", args=[task.pk])
            if _is_htmx(request):
                return HttpResponseClientRedirect(url)
            return redirect(url)
    context = {
        "form": form,
        "formset": formset,
        "part_errors": part_errors,
        "task": task,
        "conflict": conflict,
    }
    status = 409 if conflict and not _is_htmx(request) else 200
    return render_page(
        request, "tasks/task_form.html", context, "task-form", status=status
    )


# --- detail ---------------------------------------------------------------


@login_required
@require_GET
def task_detail(request, pk: int):
    task = selectors.task_get(user=request.user, pk=pk)
    return render_page(request, "tasks/task_detail.html", detail_context(request, task))


def _conflict_notice() -> str:
    return gettext(
        "Someone else changed this task after you opened it; nothing was saved. "
        "The page now shows the current state: check it and try again."
    )


@login_required
@require_POST
def task_transition(request, pk: int):
    task = access_task(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    prefix = action if action in workflow.TRANSITIONS else "action"
    form = TransitionForm(request.POST, auto_id=f"id_{prefix}_%s", action=action)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            task = services.task_transition(
                actor=request.user,
                task=task,
                action=action,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
                new_deadline=form.cleaned_data["new_deadline"],
                reported_on=form.cleaned_data["reported_on"],
                effective_on=form.cleaned_data["effective_on"],
            )
        except Conflict:
            return detail_response(request, pk, notice=_conflict_notice())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = gettext("%(action)s: done.") % {
                "action": workflow.action_label(action)
            }
            if not _is_htmx(request):
                messages.success(request, message)
                return redirect("tasks:detail", pk=task.pk)
            return detail_response(request, pk, message=message)
    return detail_response(request, pk, failed_action=form)


@login_required
@require_POST
def task_progress(request, pk: int):
    task = access_task(user=request.user, pk=pk)
    if not can_report_progress(request.user, task):
        raise PermissionDenied
    reporting = reporting_of(request.user, task) or {"parts": [], "task_level": True}
    form = ProgressForm(
        request.POST,
        request.FILES,
        parts=reporting["parts"],
        task_level=reporting["task_level"],
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.progress_report(
                actor=request.user,
                task=task,
                percent=data["percent"],
                text=data["text"],
                reported_on=data["reported_on"],
                part=data.get("part"),
                reason=data["reason"],
                files=data["files"],
                version=data["version"],
            )
        except Conflict:
            return detail_response(request, pk, notice=_conflict_notice())
        except ValidationError as exc:
            add_service_errors(form, exc, {"file": "files"})
        else:
            message = gettext("Progress %(percent)s%% was reported.") % {
                "percent": data["percent"]
            }
            if not _is_htmx(request):
                messages.success(request, message)
                return redirect("tasks:detail", pk=task.pk)
            return detail_response(request, pk, message=message)
    return detail_response(request, pk, progress_form=form)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    """Files of the task itself (progress files go with their update)."""
    task = access_task(user=request.user, pk=pk)
    if not can_change_attachments(request.user, task):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    attached = None
    if form.is_valid():
        try:
            attached = docs_services.attachment_add(
                actor=request.user, target=task, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if attached is not None:
        message = gettext("%(name)s was attached.") % {"name": attached.original_name}
        if not _is_htmx(request):
            messages.success(request, message)
            return redirect("tasks:detail", pk=task.pk)
        response = render_page(
            request,
            "tasks/task_detail.html",
            task_attachments_context(request, task),
            "attachments",
        )
        return attachment_changed_response(response, message)
    if _is_htmx(request):
        return render_page(
            request,
            "tasks/task_detail.html",
            task_attachments_context(request, task, upload_form=form),
            "attachments",
        )
    task = selectors.task_get(user=request.user, pk=pk)
    return render_page(
        request,
        "tasks/task_detail.html",
        detail_context(request, task, upload_form=form),
    )


# --- home section -----------------------------------------------------------

HOME_LIST_SIZE = 5


def home_section(request):
    """ "Việc của tôi" on the home page: what needs the user's action."""
    user = request.user
    if not user_seats(user):
        return None
    work = selectors.my_work(user=user)
    seats = user_seats(user)
    managed = manager_body_ids(user)
    agencies = sorted({a for s in seats for a in focal_agency_ids(user, s.body_id)})
    agency = agencies[0] if len(agencies) == 1 and not managed else None
    on = work.on.isoformat()

    def scoped(params: dict) -> dict:
        return {**params, "lead_agency": agency} if agency else params

    specs = [
        (
            "to_report",
            gettext("To report"),
            gettext("Open tasks your agency leads or you own."),
            _url("tasks:list", {"lead_agency": agency, "sort": "deadline"})
            if agency
            else "",
        ),
        (
            "cooperating",
            gettext("To contribute"),
            gettext("Tasks where your agency co-operates and its part is not done."),
            _url("tasks:list", {"cooperating_agency": agencies[0], "sort": "deadline"})
            if len(agencies) == 1
            else "",
        ),
        (
            "to_confirm",
            gettext("To confirm"),
            gettext("Reported done, waiting for the secretariat or the leader."),
            _url("tasks:list", {"state": S.REPORTED_DONE, "sort": "deadline"}),
        ),
        (
            "overdue",
            gettext("Overdue"),
            gettext("Past the deadline and not completed."),
            _url(
                "tasks:list",
                scoped({"bucket": buckets.OVERDUE, "sort": "deadline", "on": on}),
            ),
        ),
        (
            "due_soon",
            gettext("Due soon"),
            gettext("Deadline within the next working days."),
            _url(
                "tasks:list",
                scoped({"warning": buckets.DUE_SOON, "sort": "deadline", "on": on}),
            ),
        ),
    ]
    groups = []
    for name, label, help_text, url in specs:
        count = work.counts.get(name, 0)
        if name == "to_confirm" and not managed:
            continue
        if name in ("to_report", "cooperating") and not count and managed:
            continue
        items = (
            list(getattr(work, name).prefetch_related(None)[:HOME_LIST_SIZE])
            if count
            else []
        )
        groups.append(
            {
                "name": name,
                "label": label,
                "help": help_text,
                "count": count,
                "items": items,
                "url": url,
                "more": count > len(items),
            }
        )
    return {
        "template": "tasks/home_section.html",
        "context": {"groups": groups, "on": work.on, "list_url": reverse("tasks:list")},
    }
