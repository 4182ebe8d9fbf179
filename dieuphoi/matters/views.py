"""Pages of inter-provincial matters (thin: permissions, selectors, services).

| URL name | who |
|---|---|
| ``list``, ``matrix`` | anyone signed in: the matters they may see; none for an outsider |
| ``create`` | managers of a body, administrators (403 otherwise) |
| ``detail`` | who may see the matter (404 otherwise) |
| ``edit``, ``transition``, ``link`` | the body's managers (403 for other viewers, 404 for the rest); transitions as ``workflow`` says |
| ``log-add``, ``attachment-upload`` | the body's members and the concerned teams (403 for city viewers, 404 for the rest) |
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.docs import services as docs_services
from dieuphoi.docs.forms import AttachmentForm
from dieuphoi.docs.views import attachment_changed_response, attachments_context
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import Choices

from . import links, permissions, selectors, services, stale, workflow
from .forms import LogForm, MatterFilterForm, MatterForm, TransitionForm, edit_initial
from .models import Matter


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _conflict_text() -> str:
    return gettext(
        "Someone changed this while you were working on it. Nothing was saved; "
        "your input is kept below. Check their change, then save again."
    )


def _url(name: str, query: dict) -> str:
    base = reverse(name)
    return f"{base}?{urlencode(query)}" if query else base


# --- list and matrix ---------------------------------------------------------------


@login_required
@require_GET
def matter_list(request):
    filters, errors = selectors.parse_filters(request.GET)
    after = request.GET.get("after") or None
    page = None
    if not errors:
        try:
            page = selectors.matter_list(
                user=request.user, filters=filters, after=after
            )
        except ValidationError as exc:
            errors = {"after": " ".join(exc.messages)}
    query = filters.to_params()
    more_url = ""
    if page and page.next_cursor:
        more_url = _url("matters:list", {**query, "after": page.next_cursor})
    context = {
        "matters": page.items if page else [],
        "more_url": more_url,
        "first_page": not after,
        "errors": errors,
        "stale_days": stale.stale_days(),
    }
    partial = "matter-rows" if after else "matter-page"
    if not after or not _is_htmx(request):
        context.update(
            {
                "form": MatterFilterForm(request.GET, choices=Choices(), errors=errors),
                "filters": filters,
                "can_create": permissions.may_create(request.user),
                "stale_url": _url("matters:list", {**query, "stale": "1"}),
                "counts": None
                if errors
                else selectors.matter_counts(user=request.user, filters=filters),
            }
        )
    return render_page(request, "matters/matter_list.html", context, partial)


@login_required
@require_GET
def matrix(request):
    table = selectors.matrix(user=request.user)
    base = reverse("matters:list")
    for row in table.rows:
        row.links = [
            (n, f"{base}?{urlencode({'province': row.unit.pk, 'state': state})}")
            for n, (state, _label) in zip(row.cells, table.states, strict=True)
        ]
        row.url = f"{base}?{urlencode({'province': row.unit.pk})}"
    totals = [
        (n, f"{base}?{urlencode({'state': state})}")
        for n, (state, _label) in zip(table.totals, table.states, strict=True)
    ]
    return render_page(
        request,
        "matters/matrix.html",
        {"table": table, "totals": totals, "list_url": base},
    )


# --- create / edit -----------------------------------------------------------------


def _choices(request, body: Body, matter: Matter | None = None) -> Choices:
    on = None
    if request.method == "POST":
        on = params.parse_date_or_none(request.POST.get("raised_on") or "")
    if on is None and matter is not None:
        on = matter.raised_on
    extra = []
    if matter is not None:
        extra = [*matter.provinces.all(), *matter.agencies.all()]
        extra += [p for p in (matter.raised_by_body, matter.raised_by_agency) if p]
    return Choices(
        bodies=[body],
        on=on or local_today(),
        extra_parties=extra,
        extra_owner=matter.owner if matter else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def matter_create(request):
    bodies = permissions.manager_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    body = bodies[0]
    if request.method == "POST" and len(bodies) > 1:
        chosen = request.POST.get("body")
        body = next((b for b in bodies if str(b.pk) == chosen), body)
    form = MatterForm(
        request.POST or None,
        choices=_choices(request, body),
        bodies=bodies,
        initial={
            "body": body.pk,
            "raised_on": local_today(),
            "competence": Matter.Competence.CITY,
            "priority": Matter.Priority.NORMAL,
            "owner": request.user.pk,
        },
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                matter = services.matter_create(
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The matter was created."))
                return redirect(matter.get_absolute_url())
    return render_page(
        request,
        "matters/matter_form.html",
        {"form": form, "matter": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def matter_edit(request, pk: int):
    matter = permissions.access_matter(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    choices = _choices(request, matter.body, matter)
    form = MatterForm(
        request.POST or None, initial=edit_initial(matter), choices=choices, bodies=None
    )
    conflict = ""
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                matter = services.matter_update(
                    actor=request.user,
                    matter=matter,
                    version=form.cleaned_data["version"],
                    **form.service_kwargs(),
                )
            except Conflict:
                conflict = _conflict_text()
                current = Matter.objects.get(pk=matter.pk)
                post = request.POST.copy()
                post["version"] = str(current.version)
                form = MatterForm(
                    post, initial=edit_initial(current), choices=choices, bodies=None
                )
                form.is_valid()
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, gettext("The matter was saved."))
                return redirect(matter.get_absolute_url())
    return render_page(
        request,
        "matters/matter_form.html",
        {"form": form, "matter": matter, "conflict": conflict},
        status=status,
    )


# --- the matter page ---------------------------------------------------------------


def _log_form(request, matter: Matter, data=None, files=None) -> LogForm:
    internals = permissions.can_see_internals(request.user, matter)
    return LogForm(
        data,
        files,
        choices=Choices(
            bodies=[matter.body] if internals else [],
            on=local_today(),
        ),
        documents=internals,
        initial={"occurred_on": local_today()},
    )


def _log_context(request, matter: Matter, **extra) -> dict:
    after = request.GET.get("log_after") or None
    try:
        page = selectors.log_page(matter, after=after)
    except ValidationError:
        raise Http404 from None
    can_log = permissions.can_log(request.user, matter)
    more_url = ""
    if page.next_cursor:
        more_url = (
            f"{reverse('matters:detail', args=[matter.pk])}?"
            f"{urlencode({'log_after': page.next_cursor})}"
        )
    return {
        "matter": matter,
        "entries": page.items,
        "log_more_url": more_url,
        "can_log": can_log,
        "log_form": extra.pop("log_form", None)
        or (_log_form(request, matter) if can_log else None),
        **extra,
    }


def _attachments(request, matter: Matter, form=None) -> dict:
    return attachments_context(
        request,
        target=matter,
        upload_url=reverse("matters:attachment-upload", args=[matter.pk]),
        can_upload=permissions.can_log(request.user, matter),
        form=form,
    )


def _discussion(request, matter: Matter) -> dict | None:
    from dieuphoi.discussions.registry import target_for_model
    from dieuphoi.discussions.views import thread_context

    entry = target_for_model(Matter)
    if entry is None or not entry.can_view(request.user, matter, ""):
        return None
    return thread_context(request, entry, matter, "")


def _transition_form(matter: Matter, action: str, data=None) -> TransitionForm:
    """The form of one action; resolving offers the body's register."""
    choices = None
    if action == "resolve":
        choices = Choices(
            bodies=[matter.body], extra_document=matter.resolution_document
        )
    return TransitionForm(
        data,
        initial={"action": action, "version": matter.version},
        auto_id=f"id_{action}_%s",
        choices=choices,
    )


def _stale_context(matter: Matter) -> dict:
    """The facts' "last log entry" and the stale badge (``matter.stale``)."""
    matter.stale = stale.is_stale(matter)
    return {
        "stale_due": stale.stale_due(matter) if matter.is_open else None,
        "stale_days": stale.stale_days(),
    }


def _actions(request, matter: Matter, failed=None) -> list[dict]:
    out = []
    for step in workflow.allowed_actions(request.user, matter):
        form = _transition_form(matter, step.action)
        if failed and failed[0] == step.action:
            form = failed[1]
        out.append({"step": step, "form": form})
    return out


def _link_choices(matter: Matter) -> dict:
    """The body's items a manager may link (the newest 200 of each)."""
    from dieuphoi.keyprojects.models import KeyProject
    from dieuphoi.proposals.models import Proposal
    from dieuphoi.tasks.models import Task

    return {
        "tasks": [
            (t.pk, f"{t.code} — {t.title}")
            for t in Task.objects.filter(body=matter.body_id)
            .exclude(matters=matter)
            .only("id", "code", "title")
            .order_by("-id")[:200]
        ],
        "proposals": [
            (p.pk, p.title)
            for p in Proposal.objects.filter(body=matter.body_id)
            .exclude(matters=matter)
            .only("id", "title")
            .order_by("-id")[:200]
        ],
        "key_projects": [
            (k.pk, f"{k.code} — {k.name}")
            for k in KeyProject.objects.filter(body=matter.body_id)
            .exclude(matters=matter)
            .only("id", "code", "name")
            .order_by("-id")[:200]
        ],
    }


def _detail_response(request, matter: Matter, *, status=200, **extra):
    matter = (
        Matter.objects.select_related(
            "body",
            "sector",
            "owner",
            "raised_by_body",
            "raised_by_agency",
            "resolution_document",
        )
        .prefetch_related(selectors._units_prefetch(), "agencies")
        .get(pk=matter.pk)
    )
    on = local_today()
    selectors.mark([matter], on)
    internals = permissions.can_see_internals(request.user, matter)
    can_change = permissions.can_change_matter(request.user, matter)
    context = {
        **_log_context(
            request, matter, **{k: extra.pop(k) for k in ["log_form"] if k in extra}
        ),
        **_stale_context(matter),
        "can_change": can_change,
        "internals": internals,
        "actions": _actions(request, matter, extra.pop("failed", None)),
        "sections": links.linked_sections(matter, request.user),
        "link_choices": _link_choices(matter) if can_change else None,
        "events": audit_timeline(target=matter, limit=50) if internals else None,
        "discussion": _discussion(request, matter),
        **_attachments(request, matter, extra.pop("upload_form", None)),
        **extra,
    }
    return render_page(request, "matters/matter_detail.html", context, status=status)


@login_required
@require_GET
def matter_detail(request, pk: int):
    matter = permissions.access_matter(user=request.user, pk=pk)
    if request.GET.get("log_after") and _is_htmx(request):
        return render_page(
            request,
            "matters/matter_detail.html",
            _log_context(request, matter),
            "log-rows",
        )
    return _detail_response(request, matter)


@login_required
@require_POST
def log_add(request, pk: int):
    matter = permissions.access_matter(user=request.user, pk=pk, perm=permissions.LOG)
    form = _log_form(request, matter, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.log_add(
                actor=request.user,
                matter=matter,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                summary=data["summary"],
                agencies=data.get("agencies") or [],
                bodies=data.get("bodies") or [],
                document=data.get("document"),
                files=data.get("files") or [],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = gettext("The entry was added to the coordination log.")
            if _is_htmx(request):
                # The log, and out of band the facts' last entry date and
                # the stale badge in the header.
                response = render_page(
                    request,
                    "matters/matter_detail.html",
                    _log_context(
                        request,
                        matter,
                        log_notice=message,
                        oob=True,
                        **_stale_context(matter),
                    ),
                    "log",
                )
                return attachment_changed_response(response, message)
            messages.success(request, message)
            return redirect(f"{matter.get_absolute_url()}#log")
    if _is_htmx(request):
        return render_page(
            request,
            "matters/matter_detail.html",
            _log_context(request, matter, log_form=form),
            "log",
        )
    return _detail_response(request, matter, log_form=form, status=422)


@login_required
@require_POST
def transition(request, pk: int):
    matter = permissions.access_matter(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    action = request.POST.get("action", "")
    if action not in workflow.TRANSITIONS:
        raise Http404
    if not workflow.holds(request.user, matter, workflow.TRANSITIONS[action].who):
        raise PermissionDenied
    form = _transition_form(matter, action, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transition(
                actor=request.user,
                matter=matter,
                action=action,
                version=data["version"],
                resolution=data["resolution"],
                reason=data["reason"],
                document=data.get("document"),
            )
        except Conflict:
            messages.error(request, _conflict_text())
            return redirect(matter.get_absolute_url())
        except ValidationError as exc:
            leftover = add_service_errors(form, exc, {"action": None})
            if leftover:
                form.add_error(None, leftover)
        else:
            messages.success(request, gettext("The state of the matter was changed."))
            return redirect(matter.get_absolute_url())
    return _detail_response(request, matter, failed=(action, form), status=422)


@login_required
@require_POST
def link(request, pk: int):
    matter = permissions.access_matter(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    from dieuphoi.keyprojects.models import KeyProject
    from dieuphoi.proposals.models import Proposal
    from dieuphoi.tasks.models import Task

    models_by_kind = {"tasks": Task, "proposals": Proposal, "key_projects": KeyProject}
    # ``item`` is "<kind>:<id>" (one picker for the three kinds); a plain id
    # goes with ``kind``.
    kind, _sep, raw = request.POST.get("item", "").rpartition(":")
    kind = kind or request.POST.get("kind", "")
    item_id = params.parse_id_or_none(raw)
    model = models_by_kind.get(kind)
    obj = model.objects.filter(pk=item_id).first() if model and item_id else None
    removing = request.POST.get("op") == "remove"
    try:
        if removing:
            services.unlink(actor=request.user, matter=matter, kind=kind, obj=obj)
        else:
            services.link(actor=request.user, matter=matter, kind=kind, obj=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            gettext("The link was removed.")
            if removing
            else gettext("The links were saved."),
        )
    return redirect(f"{matter.get_absolute_url()}#links")


@login_required
@require_POST
def attachment_upload(request, pk: int):
    matter = permissions.access_matter(user=request.user, pk=pk, perm=permissions.LOG)
    form = AttachmentForm(request.POST, request.FILES)
    attached = None
    if form.is_valid():
        try:
            attached = docs_services.attachment_add(
                actor=request.user,
                target=matter,
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if attached is not None:
        message = gettext("%(name)s was attached.") % {"name": attached.original_name}
        if not _is_htmx(request):
            messages.success(request, message)
            return redirect(matter.get_absolute_url())
        response = render_page(
            request,
            "matters/matter_detail.html",
            _attachments(request, matter),
            "attachments",
        )
        return attachment_changed_response(response, message)
    if _is_htmx(request):
        return render_page(
            request,
            "matters/matter_detail.html",
            _attachments(request, matter, form),
            "attachments",
        )
    return _detail_response(request, matter, upload_form=form, status=422)
