"""Pages of joint activities (thin: permissions, selectors, services).

| URL name | who |
|---|---|
| ``list`` | anyone signed in: the activities they may see; none for an outsider |
| ``create`` | managers of a body: 403 otherwise |
| ``detail`` | who may see the activity (404 otherwise) |
| ``respond`` | an invitee's own people or the host's managers (403 for other viewers) |
| ``edit``, ``cancel``, ``invitation``, ``send``, ``attendance``, ``minutes``, ``upload``, ``conclusion-add``, ``convert``, ``conclude``, ``notice`` | the host's managers (403 for other viewers, 404 for the rest) |
| ``agenda-add``, ``agenda-edit``, ``agenda-move``, ``agenda-remove``, ``agenda-upload`` | the host's managers; HTMX answers the agenda section, without JS the page |
| ``invitee-add``, ``invitee-remove``, ``matter-link``, ``matter-unlink`` | the host's managers |

Every write is one service call; a service's refusal comes back at the
field on the page; a stale version is a 409 with a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.docs import services as docs_services
from dieuphoi.docs.forms import AttachmentForm
from dieuphoi.docs.permissions import can_change_attachments
from dieuphoi.docs.views import attachment_changed_response, attachments_context

from . import permissions, selectors, services, workflow
from .forms import (
    ActivityForm,
    AgendaItemForm,
    CancelForm,
    ConclusionForm,
    ConvertForm,
    FilterForm,
    InviteeAddForm,
    InviteeRemoveForm,
    MatterLinkForm,
    MinutesForm,
    ResponseForm,
    convert_initial,
    edit_initial,
)
from .models import Activity, AgendaItem, Invitee
from .services import local


def _conflict_text() -> str:
    return gettext(
        "Someone changed this while you were working on it. Nothing was saved; "
        "your input is kept below. Check their change, then save again."
    )


def _version(request) -> int | None:
    raw = request.POST.get("version") or ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


# --- list --------------------------------------------------------------------------


@login_required
@require_GET
def activity_list(request):
    filters, errors = selectors.parse_filters(request.GET)
    cursor = request.GET.get("cursor") or None
    page = None
    if not errors:
        try:
            page = selectors.activity_list(
                user=request.user, filters=filters, after=cursor
            )
        except ValidationError:
            errors = {"cursor": gettext("This page link is invalid or expired.")}
    params = filters.to_params()
    more_url = None
    if page and page.next_cursor:
        more_url = f"{reverse('activities:list')}?{urlencode({**params, 'cursor': page.next_cursor})}"
    context = {
        "form": FilterForm(request.GET or None),
        "errors": errors,
        "activities": page.items if page else [],
        "more_url": more_url,
        "first_page": not cursor,
        "can_create": permissions.may_create(request.user),
        "filters": filters,
    }
    partial = "activity-rows" if cursor else "activity-page"
    return render_page(request, "activities/activity_list.html", context, partial)


# --- create, edit ------------------------------------------------------------------


def _save_form(request, form, activity: Activity | None):
    starts_at, ends_at = form.times()
    fields = {
        "kind": form.cleaned_data["kind"],
        "title": form.cleaned_data["title"],
        "description": form.cleaned_data.get("description") or "",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": form.cleaned_data.get("place") or "",
        "online_link": form.cleaned_data.get("online_link") or "",
        "invitees": form.invitees(),
    }
    if form.cleaned_data.get("response_deadline") or activity is None:
        fields["response_deadline"] = form.cleaned_data.get("response_deadline")
    if activity is None:
        bodies = form.fields["body"].queryset
        body = form.cleaned_data.get("body") or (
            bodies.first() if bodies.count() == 1 else None
        )
        if body is None:
            raise ValidationError({"body": [gettext("Choose the body.")]})
        return services.activity_create(
            actor=request.user, body=body, agenda=form.agenda_items(), **fields
        )
    return services.activity_update(
        actor=request.user,
        activity=activity,
        version=form.cleaned_data.get("version"),
        **fields,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    bodies = permissions.manager_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    form = ActivityForm(request.POST or None, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        try:
            activity = _save_form(request, form, None)
        except ValidationError as exc:
            for message in add_service_errors(
                form,
                exc,
                {"starts_at": "start_time", "ends_at": "end_time", "invitees": None},
            ):
                form.add_error(None, message)
        else:
            messages.success(request, gettext("The activity was created."))
            return redirect(activity.get_absolute_url())
    return render_page(
        request, "activities/activity_form.html", {"form": form, "activity": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = permissions.access_activity(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )
    if not workflow.state_allows(activity, "edit"):
        raise PermissionDenied
    form = ActivityForm(
        request.POST or None,
        initial=edit_initial(activity),
        bodies=[activity.body],
        editing=True,
    )
    conflict = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _save_form(request, form, activity)
        except Conflict:
            conflict, status = _conflict_text(), 409
        except ValidationError as exc:
            for message in add_service_errors(
                form,
                exc,
                {"starts_at": "start_time", "ends_at": "end_time", "invitees": None},
            ):
                form.add_error(None, message)
        else:
            messages.success(request, gettext("The activity was saved."))
            return redirect(activity.get_absolute_url())
    return render_page(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity, "conflict": conflict},
        status=status,
    )


# --- detail ------------------------------------------------------------------------


def _detail_context(request, activity: Activity, **bound) -> dict:
    user = request.user
    activity = selectors.activity_detail(activity.pk)
    invitees = selectors.invitees_of(activity)
    manager = permissions.can_change_activity(user, activity)
    internals = permissions.can_see_internals(user, activity)
    own = permissions.own_invitees(user, activity, invitees)
    can_answer = workflow.state_allows(activity, "respond")
    respond_forms = []
    if can_answer:
        for invitee in own:
            if bound.get("respond_invitee") == invitee.pk:
                respond_forms.append((invitee, bound["respond_form"]))
            else:
                respond_forms.append(
                    (
                        invitee,
                        ResponseForm(
                            initial={
                                "invitee": invitee.pk,
                                "response": invitee.response
                                if invitee.response != Invitee.Response.PENDING
                                else "",
                                "delegate_name": invitee.delegate_name,
                                "delegate_position": invitee.delegate_position,
                                "reason": invitee.decline_reason,
                            }
                        ),
                    )
                )
    conclusions = selectors.conclusions_of(activity)
    convert_forms = {}
    if manager:
        for conclusion in conclusions:
            if not conclusion.is_converted:
                if bound.get("convert_id") == conclusion.pk:
                    convert_forms[conclusion.pk] = bound["convert_form"]
                else:
                    convert_forms[conclusion.pk] = ConvertForm(
                        initial=convert_initial(conclusion), host=activity.body,
                        prefix=f"c{conclusion.pk}",
                    )  # fmt: skip
        for conclusion in conclusions:
            conclusion.convert_form = convert_forms.get(conclusion.pk)
    counts = dict.fromkeys(Invitee.Response.values, 0)
    for invitee in invitees:
        counts[invitee.response] += 1
    now = timezone.now()
    editable = manager and workflow.state_allows(activity, "edit")
    linked = list(activity.matters.all())
    context = {
        **_agenda_context(request, activity, **bound),
        "invitees": invitees,
        "counts": counts,
        "may_change_invitees": editable,
        "invitee_form": bound.get("invitee_form")
        or (InviteeAddForm(on=local(activity.starts_at).date()) if editable else None),
        "linked_matters": _visible_matters(user, linked),
        "confirm_remove": bound.get("confirm_remove"),
        "matter_form": bound.get("matter_form")
        or (
            MatterLinkForm(user=user, exclude=[m.pk for m in linked])
            if manager and activity.state != Activity.State.CANCELLED
            else None
        ),
        "respond_forms": respond_forms,
        "can_change": manager,
        "internals": internals,
        "actions": {t.action for t in workflow.allowed_actions(user, activity)},
        "may_take_attendance": manager
        and workflow.state_allows(activity, "attendance")
        and now >= activity.starts_at,
        "conclusions": conclusions,
        "conclusion_form": bound.get("conclusion_form")
        or ConclusionForm(host=activity.body),
        "minutes_form": bound.get("minutes_form")
        or MinutesForm(
            initial={"minutes": activity.minutes, "version": activity.version}
        ),
        "cancel_form": bound.get("cancel_form")
        or CancelForm(initial={"version": activity.version}),
        "errors": bound.get("errors") or [],
        "events": audit_timeline(target=activity, limit=50) if internals else None,
        "attendance_choices": Invitee.Attended.choices,
        **attachments_context(
            request,
            target=activity,
            upload_url=reverse("activities:upload", args=[activity.pk]),
            can_upload=manager and can_change_attachments(user, activity),
            form=bound.get("upload_form"),
        ),
    }
    return context


def _visible_matters(user, matters) -> list:
    from dieuphoi.matters import permissions as matter_perms
    from dieuphoi.matters.models import Matter

    ids = set(
        matter_perms.visible(
            user, Matter.objects.filter(pk__in=[m.pk for m in matters])
        ).values_list("pk", flat=True)
    )
    return [m for m in matters if m.pk in ids]


def _agenda_context(request, activity: Activity, **bound) -> dict:
    """The agenda section: the items (each with its documents and, for the
    host's managers while planned or invited, its edit form)."""
    from django.contrib.contenttypes.models import ContentType

    from dieuphoi.docs.models import Attachment

    items = list(activity.agenda.order_by("order", "id"))
    docs: dict[int, list] = {}
    if items:
        for a in Attachment.objects.filter(
            target_type=ContentType.objects.get_for_model(AgendaItem),
            target_id__in=[i.pk for i in items],
        ).order_by("uploaded_at", "id"):
            docs.setdefault(a.target_id, []).append(a)
    editable = permissions.can_change_activity(
        request.user, activity
    ) and workflow.state_allows(activity, "edit")
    failed = bound.get("agenda_failed")  # (item id, form)
    for n, item in enumerate(items):
        item.docs = docs.get(item.pk, [])
        item.first, item.last = n == 0, n == len(items) - 1
        if editable:
            item.edit_form = (
                failed[1]
                if failed and failed[0] == item.pk
                else AgendaItemForm(
                    initial={"title": item.title, "presenter": item.presenter},
                    auto_id=f"id_a{item.pk}_%s",
                )
            )
    return {
        "activity": activity,
        "agenda": items,
        "agenda_editable": editable,
        "agenda_form": bound.get("agenda_form")
        or (AgendaItemForm(auto_id="id_agenda_%s") if editable else None),
        "agenda_errors": bound.get("agenda_errors") or [],
        "agenda_message": bound.get("agenda_message") or "",
        "upload_max_bytes": settings.ATTACHMENT_MAX_BYTES,
    }


def _detail(request, activity: Activity, status: int = 200, **bound):
    return render_page(
        request,
        "activities/activity_detail.html",
        _detail_context(request, activity, **bound),
        status=status,
    )


@login_required
@require_GET
def activity_detail(request, pk: int):
    activity = permissions.access_activity(user=request.user, pk=pk)
    return _detail(request, activity)


def _manager_action(request, pk: int) -> Activity:
    return permissions.access_activity(
        user=request.user, pk=pk, perm=permissions.CHANGE
    )


def _messages_of(exc: ValidationError) -> list[str]:
    return (
        [m for ms in exc.message_dict.values() for m in ms]
        if hasattr(exc, "error_dict")
        else exc.messages
    )


def _run(request, activity: Activity, fn, success: str, anchor: str = ""):
    """Run a service; success: back to the page with a message; a refusal:
    the page with the reasons; a stale version: 409."""
    try:
        fn()
    except Conflict:
        return _detail(request, activity, status=409, errors=[_conflict_text()])
    except ValidationError as exc:
        return _detail(request, activity, status=422, errors=_messages_of(exc))
    messages.success(request, success)
    return redirect(activity.get_absolute_url() + anchor)


@login_required
@require_POST
def activity_cancel(request, pk: int):
    activity = _manager_action(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, activity, status=422, cancel_form=form,
                       errors=[gettext("Give the reason for cancelling.")])  # fmt: skip
    return _run(
        request,
        activity,
        lambda: services.activity_cancel(
            actor=request.user,
            activity=activity,
            version=form.cleaned_data.get("version"),
            reason=form.cleaned_data["reason"],
        ),
        gettext("The activity was cancelled; the invitees are told."),
    )


@login_required
@require_POST
def invitation_create(request, pk: int):
    activity = _manager_action(request, pk)
    return _run(
        request,
        activity,
        lambda: services.invitation_create(actor=request.user, activity=activity),
        gettext(
            "The Giấy mời was drafted: have it approved and issued, then send the invitation."
        ),
        "#papers",
    )


@login_required
@require_POST
def invitation_send(request, pk: int):
    activity = _manager_action(request, pk)
    result = {}

    def send():
        result["r"] = services.invitation_send(
            actor=request.user, activity=activity, version=_version(request)
        )

    response = _run(request, activity, send, gettext("The invitation was sent."))
    if "r" in result and result["r"].unreachable:
        messages.warning(
            request,
            gettext("Nobody could be e-mailed for: %(names)s.")
            % {"names": "; ".join(result["r"].unreachable)},
        )
    return response


@login_required
@require_POST
def respond(request, pk: int):
    activity = permissions.access_activity(user=request.user, pk=pk)
    if not permissions.can_change_activity(
        request.user, activity
    ) and not permissions.own_invitees(request.user, activity, activity.invitees.all()):
        raise PermissionDenied
    form = ResponseForm(request.POST)
    if not form.is_valid():
        invitee_id = (
            form.cleaned_data.get("invitee") if hasattr(form, "cleaned_data") else None
        )
        return _detail(
            request, activity, status=422, respond_invitee=invitee_id, respond_form=form
        )
    invitee = activity.invitees.filter(pk=form.cleaned_data["invitee"]).first()
    if invitee is None:
        raise PermissionDenied
    invitee.activity = activity
    if not permissions.can_respond(request.user, invitee):
        raise PermissionDenied
    try:
        services.response_record(
            actor=request.user,
            invitee=invitee,
            response=form.cleaned_data["response"],
            delegate_name=form.cleaned_data.get("delegate_name") or "",
            delegate_position=form.cleaned_data.get("delegate_position") or "",
            reason=form.cleaned_data.get("reason") or "",
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(
            request, activity, status=422, respond_invitee=invitee.pk, respond_form=form
        )
    messages.success(request, gettext("Your answer was recorded."))
    return redirect(activity.get_absolute_url() + "#invitees")


@login_required
@require_POST
def attendance(request, pk: int):
    activity = _manager_action(request, pk)
    rows = []
    for invitee in activity.invitees.all():
        prefix = f"att-{invitee.pk}-"
        if prefix + "attended" not in request.POST:
            continue
        rows.append(
            {
                "invitee": invitee.pk,
                "attended": request.POST.get(prefix + "attended"),
                "attendee_name": request.POST.get(prefix + "name", ""),
                "on_behalf_of": request.POST.get(prefix + "behalf", ""),
            }
        )
    return _run(
        request,
        activity,
        lambda: services.attendance_record(
            actor=request.user, activity=activity, version=_version(request), rows=rows
        ),
        gettext("The attendance was recorded."),
        "#attendance",
    )


@login_required
@require_POST
def minutes(request, pk: int):
    activity = _manager_action(request, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _detail(request, activity, status=422, minutes_form=form)
    return _run(
        request,
        activity,
        lambda: services.minutes_save(
            actor=request.user,
            activity=activity,
            version=form.cleaned_data.get("version"),
            minutes=form.cleaned_data.get("minutes") or "",
        ),
        gettext("The minutes were saved."),
        "#minutes",
    )


@login_required
@require_POST
def upload(request, pk: int):
    """The signed biên bản and other files of the activity."""
    activity = _manager_action(request, pk)
    if not can_change_attachments(request.user, activity):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attached = docs_services.attachment_add(
                actor=request.user,
                target=activity,
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = gettext("%(name)s was attached.") % {
                "name": attached.original_name
            }
            if getattr(request, "htmx", False):
                response = render_page(
                    request,
                    "activities/activity_detail.html",
                    _attachments(request, activity),
                    "attachments",
                )
                return attachment_changed_response(response, message)
            messages.success(request, message)
            return redirect(activity.get_absolute_url() + "#minutes")
    if getattr(request, "htmx", False):
        return render_page(
            request,
            "activities/activity_detail.html",
            _attachments(request, activity, form),
            "attachments",
        )
    return _detail(request, activity, status=422, upload_form=form)


def _attachments(request, activity: Activity, form=None) -> dict:
    return attachments_context(
        request,
        target=activity,
        upload_url=reverse("activities:upload", args=[activity.pk]),
        can_upload=can_change_attachments(request.user, activity),
        form=form,
    )


@login_required
@require_POST
def conclusion_add(request, pk: int):
    activity = _manager_action(request, pk)
    form = ConclusionForm(request.POST, host=activity.body)
    if form.is_valid():
        try:
            services.conclusion_add(
                actor=request.user,
                activity=activity,
                text=form.cleaned_data["text"],
                lead_agency=form.cleaned_data.get("lead_agency"),
                cooperating_agencies=form.cleaned_data.get("cooperating_agencies")
                or [],
                cooperating_bodies=form.cleaned_data.get("cooperating_bodies") or [],
                deadline=form.cleaned_data.get("deadline"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext("The conclusion was added."))
            return redirect(activity.get_absolute_url() + "#conclusions")
    return _detail(request, activity, status=422, conclusion_form=form)


@login_required
@require_POST
def conclusion_convert(request, pk: int, cid: int):
    conclusion = permissions.access_conclusion(
        user=request.user, activity_pk=pk, pk=cid, perm=permissions.CHANGE
    )
    activity = conclusion.activity
    form = ConvertForm(request.POST, host=activity.body, prefix=f"c{conclusion.pk}")
    if form.is_valid():
        data = form.cleaned_data
        task = services.TaskInput(
            title=data["text"][:500],
            lead_agency=data["lead_agency"],
            cooperating=tuple(
                [{"agency": a} for a in data.get("cooperating_agencies") or []]
                + [{"body": b} for b in data.get("cooperating_bodies") or []]
            ),
            deadline=data.get("deadline"),
        )
        try:
            created = services.conclusion_convert(
                actor=request.user,
                conclusion=conclusion,
                tasks=[task],
                version=data.get("version"),
            )
        except Conflict:
            return _detail(request, activity, status=409, errors=[_conflict_text()])
        except ValidationError as exc:
            add_service_errors(form, exc, {"title": "text", "conclusion": None})
            errors = (
                _messages_of(exc)
                if "conclusion" in getattr(exc, "error_dict", {})
                else []
            )
            return _detail(request, activity, status=422, convert_id=conclusion.pk,
                           convert_form=form, errors=errors)  # fmt: skip
        messages.success(
            request,
            gettext("Task %(codes)s was assigned.")
            % {"codes": ", ".join(t.code for t in created)},
        )
        return redirect(activity.get_absolute_url() + f"#conclusion-{conclusion.pk}")
    return _detail(
        request, activity, status=422, convert_id=conclusion.pk, convert_form=form
    )


@login_required
@require_POST
def conclude(request, pk: int):
    activity = _manager_action(request, pk)
    return _run(
        request,
        activity,
        lambda: services.activity_conclude(
            actor=request.user, activity=activity, version=_version(request)
        ),
        gettext("The activity is marked concluded."),
    )


@login_required
@require_POST
def notice_create(request, pk: int):
    activity = _manager_action(request, pk)
    return _run(
        request,
        activity,
        lambda: services.conclusions_notice_create(
            actor=request.user, activity=activity
        ),
        gettext("The Thông báo kết luận was drafted: have it approved and issued."),
        "#papers",
    )


# --- agenda after creation ---------------------------------------------------------


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _agenda_answer(request, activity: Activity, *, ok: str = "", status=200, **bound):
    """HTMX: the agenda section (200, so HTMX swaps it, errors included);
    otherwise back to the page (success) or the page with the errors."""
    if _is_htmx(request):
        activity = selectors.activity_detail(activity.pk)
        return render_page(
            request,
            "activities/activity_detail.html",
            _agenda_context(request, activity, agenda_message=ok, **bound),
            "agenda",
        )
    if ok:
        messages.success(request, ok)
        return redirect(activity.get_absolute_url() + "#agenda")
    return _detail(request, activity, status=status, **bound)


def _agenda_item(request, pk: int, iid: int) -> AgendaItem:
    """The item (404 when not under this activity), then the right (403)."""
    activity = permissions.access_activity(user=request.user, pk=pk)
    item = AgendaItem.objects.filter(pk=permissions._pk(iid), activity=activity).first()
    if item is None:
        raise Http404
    if not permissions.can_change_activity(request.user, activity):
        raise PermissionDenied
    item.activity = activity
    return item


@login_required
@require_POST
def agenda_add(request, pk: int):
    activity = _manager_action(request, pk)
    form = AgendaItemForm(request.POST, auto_id="id_agenda_%s")
    if form.is_valid():
        try:
            services.agenda_item_add(actor=request.user, activity=activity,
                                     **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc, {"state": None})
            return _agenda_answer(request, activity, status=422, agenda_form=form,
                                  agenda_errors=_messages_of(exc))  # fmt: skip
        return _agenda_answer(
            request, activity, ok=gettext("The agenda item was added.")
        )
    return _agenda_answer(request, activity, status=422, agenda_form=form)


@login_required
@require_POST
def agenda_edit(request, pk: int, iid: int):
    item = _agenda_item(request, pk, iid)
    form = AgendaItemForm(request.POST, auto_id=f"id_a{item.pk}_%s")
    if form.is_valid():
        try:
            services.agenda_item_update(actor=request.user, item=item,
                                        **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc, {"state": None})
            return _agenda_answer(request, item.activity, status=422,
                                  agenda_failed=(item.pk, form),
                                  agenda_errors=_messages_of(exc))  # fmt: skip
        return _agenda_answer(
            request, item.activity, ok=gettext("The agenda item was saved.")
        )
    return _agenda_answer(request, item.activity, status=422,
                          agenda_failed=(item.pk, form))  # fmt: skip


@login_required
@require_POST
def agenda_move(request, pk: int, iid: int):
    item = _agenda_item(request, pk, iid)
    try:
        services.agenda_item_move(
            actor=request.user, item=item, direction=request.POST.get("direction", "")
        )
    except ValidationError as exc:
        return _agenda_answer(request, item.activity, status=422,
                              agenda_errors=_messages_of(exc))  # fmt: skip
    return _agenda_answer(
        request, item.activity, ok=gettext("The agenda was reordered.")
    )


@login_required
@require_POST
def agenda_remove(request, pk: int, iid: int):
    item = _agenda_item(request, pk, iid)
    try:
        services.agenda_item_remove(actor=request.user, item=item)
    except ValidationError as exc:
        return _agenda_answer(request, item.activity, status=422,
                              agenda_errors=_messages_of(exc))  # fmt: skip
    return _agenda_answer(
        request, item.activity, ok=gettext("The agenda item was removed.")
    )


@login_required
@require_POST
def agenda_upload(request, pk: int, iid: int):
    """A document of an agenda item (the attachments engine)."""
    item = _agenda_item(request, pk, iid)
    if not workflow.state_allows(item.activity, "edit"):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attached = docs_services.attachment_add(
                actor=request.user, target=item, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            return _agenda_answer(request, item.activity, status=422,
                                  agenda_errors=_messages_of(exc))  # fmt: skip
        return _agenda_answer(
            request,
            item.activity,
            ok=gettext("%(name)s was attached.") % {"name": attached.original_name},
        )
    errors = [m for ms in form.errors.values() for m in ms]
    return _agenda_answer(request, item.activity, status=422, agenda_errors=errors)


# --- invitees after creation -------------------------------------------------------


@login_required
@require_POST
def invitee_add(request, pk: int):
    activity = _manager_action(request, pk)
    if not workflow.state_allows(activity, "edit"):
        raise PermissionDenied
    form = InviteeAddForm(request.POST, on=local(activity.starts_at).date())
    if form.is_valid():
        try:
            invitee = services.invitee_add(
                actor=request.user, activity=activity, party=form.party()
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"invitees": None, "state": None})
            return _detail(request, activity, status=422, invitee_form=form,
                           errors=_messages_of(exc))  # fmt: skip
        messages.success(
            request, gettext("%(party)s was invited.") % {"party": invitee.name}
        )
        if activity.state == Activity.State.INVITED:
            messages.info(
                request,
                gettext("The invitation was sent to them (%(n)d people).")
                % {"n": invitee.notified},
            )
        if invitee.unreachable:
            messages.warning(
                request,
                gettext("Nobody could be e-mailed for: %(names)s.")
                % {"names": "; ".join(invitee.unreachable)},
            )
        return redirect(activity.get_absolute_url() + "#invitees")
    return _detail(request, activity, status=422, invitee_form=form)


@login_required
@require_POST
def invitee_remove(request, pk: int, iid: int):
    invitee = permissions.access_invitee(user=request.user, activity_pk=pk, pk=iid)
    activity = invitee.activity
    if not permissions.can_change_activity(request.user, activity):
        raise PermissionDenied
    form = InviteeRemoveForm(request.POST)
    form.is_valid()
    try:
        services.invitee_remove(
            actor=request.user,
            invitee=invitee,
            confirm=bool(form.cleaned_data.get("confirm")),
        )
    except ValidationError as exc:
        if "confirm" in getattr(exc, "error_dict", {}):
            # Answered already: the page asks (works without JavaScript).
            return _detail(request, activity, status=409, confirm_remove=invitee)
        return _detail(request, activity, status=422, errors=_messages_of(exc))
    messages.success(
        request, gettext("%(party)s is no longer invited.") % {"party": invitee.name}
    )
    return redirect(activity.get_absolute_url() + "#invitees")


# --- linked matters ----------------------------------------------------------------


@login_required
@require_POST
def matter_link(request, pk: int):
    activity = _manager_action(request, pk)
    form = MatterLinkForm(
        request.POST,
        user=request.user,
        exclude=list(activity.matters.values_list("pk", flat=True)),
    )
    if form.is_valid():
        try:
            services.activity_matters_set(
                actor=request.user,
                activity=activity,
                add=list(form.cleaned_data["matters"]),
                field_name="matters",
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"state": None})
            return _detail(request, activity, status=422, matter_form=form,
                           errors=_messages_of(exc))  # fmt: skip
        messages.success(request, gettext("The matters were linked."))
        return redirect(activity.get_absolute_url() + "#activity-matters")
    return _detail(request, activity, status=422, matter_form=form)


@login_required
@require_POST
def matter_unlink(request, pk: int, mid: int):
    activity = _manager_action(request, pk)
    matter = activity.matters.filter(pk=permissions._pk(mid)).first()
    if matter is None:
        raise Http404
    try:
        services.activity_matters_set(
            actor=request.user, activity=activity, remove=[matter.pk]
        )
    except ValidationError as exc:
        return _detail(request, activity, status=422, errors=_messages_of(exc))
    messages.success(
        request, gettext("%(matter)s is no longer linked.") % {"matter": matter}
    )
    return redirect(activity.get_absolute_url() + "#activity-matters")
