"""Registry pages: region, agencies, bodies, people, and the membership forms.

Permissions: region and agency pages are open to any logged-in user. A body
and its memberships need ``org.view_body`` (404 otherwise); membership forms
need ``org.manage_body_members`` (leader, deputy, secretariat; 403 otherwise).
Units, agencies and bodies are edited by administrators (403 otherwise).

Every page takes ``?on=`` (dd/mm/yyyy or yyyy-mm-dd, default today); a bad
date is reported at the date field and the page falls back to today.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today

from . import permissions, selectors, services
from .forms import (
    AgencyFilterForm,
    AgencyForm,
    AsOfForm,
    BodyForm,
    DutyAssignForm,
    MembershipEndForm,
    MembershipForm,
    UnitForm,
)
from .models import AdministrativeUnit, Agency, Body

BODY_PAGE = "org/body_detail.html"


# --- helpers ----------------------------------------------------------------


def _is_fragment_request(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _as_of(request, form_class) -> tuple[forms.Form, datetime.date, dict, int]:
    """``(form, on, data, status)`` for a page read "as of" a date.

    A bad date is reported at its field, and the page falls back to today with
    status 400, or 200 for a fragment request (htmx swaps only 2xx answers;
    the fragment carries the date form with its error). A good one is shown
    back as dd/mm/yyyy however it was typed.
    """
    form = form_class(request.GET or None)
    if form.is_bound and not form.is_valid():
        status = 200 if _is_fragment_request(request) else 400
        return form, local_today(), form.cleaned_data, status
    data = form.cleaned_data if form.is_bound else {}
    on = data.get("on") or local_today()
    return form_class(initial={**data, "on": on}), on, data, 200


def _body_url(body: Body) -> str:
    return reverse("org:body-detail", args=[body.pk])


def _done(request, url: str, message: str):
    messages.success(request, message)
    if _is_fragment_request(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _member_form_response(request, partial: str, context: dict, status: int = 200):
    """The form fragment of the body page for HTMX, else a page around it."""
    if _is_fragment_request(request):
        response = render(request, f"{BODY_PAGE}#{partial}", context, status=status)
    else:
        context = {**context, "partial_template": f"{BODY_PAGE}#{partial}"}
        response = render(request, "org/body_member_form.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _conflict(request, form_class, exc: Conflict, membership, **form_kwargs):
    """Re-show the user's input with the other person's change and the current
    version, so a second save is a deliberate choice (design §7)."""
    data = request.POST.copy()
    data["version"] = str(exc.current_version)
    form = form_class(data, **form_kwargs)
    form.is_valid()
    form.add_error(None, exc.message)
    events = audit_timeline(target=membership, limit=1)
    return form, (events[0] if events else None)


# --- region and units -------------------------------------------------------


@login_required
@require_GET
def region(request):
    form, on, _data, status = _as_of(request, AsOfForm)
    region = selectors.region_get()
    units = selectors.region_units(region=region, on=on) if region else []
    mergers = (
        selectors.region_mergers(region=region) if region else selectors.MergerMap()
    )
    context = {
        "form": form,
        "on": on,
        "region": region,
        "units": units,
        "mergers": mergers,
        "can_edit": permissions.can_edit_registry(request.user),
    }
    return render_page(request, "org/region.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request):
    permissions.require_registry_editor(request.user)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = f"{reverse('org:region')}?on={unit.valid_from:%Y-%m-%d}"
            return _done(request, url, _("The administrative unit was added."))
    return render(
        request,
        "org/registry_form.html",
        {
            "form": form,
            "title": _("Add an administrative unit"),
            "back_url": reverse("org:region"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk: int):
    permissions.require_registry_editor(request.user)
    unit = AdministrativeUnit.objects.filter(pk=pk).first()
    if unit is None:
        raise Http404
    initial = {
        **{
            name: getattr(unit, name)
            for name in services.UNIT_EDITABLE
            if name != "predecessors"
        },
        "predecessors": list(unit.predecessors.all()),
    }
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = f"{reverse('org:region')}?on={unit.valid_from:%Y-%m-%d}"
            return _done(request, url, _("The administrative unit was saved."))
    return render(
        request,
        "org/registry_form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": unit.name},
            "back_url": reverse("org:region"),
            "events": audit_timeline(target=unit),
        },
    )


# --- agencies ---------------------------------------------------------------


@login_required
@require_GET
def agency_list(request):
    form, on, data, status = _as_of(request, AgencyFilterForm)
    agencies = selectors.agency_list(
        on=on,
        search=data.get("q") or "",
        kind=data.get("kind") or "",
    )
    context = {
        "form": form,
        "on": on,
        "agencies": agencies,
        "can_edit": permissions.can_edit_registry(request.user),
    }
    return render_page(
        request, "org/agency_list.html", context, "agency-table", status=status
    )


@login_required
@require_GET
def agency_detail(request, pk: int):
    agency = selectors.agency_get(pk=pk)
    if agency is None:
        raise Http404
    context = {
        "agency": agency,
        "versions": selectors.agency_versions(agency=agency),
        "body_roles": selectors.agency_body_roles(user=request.user, agency=agency),
        "events": audit_timeline(target=agency),
        "can_edit": permissions.can_edit_registry(request.user),
        "today": local_today(),
        "successions": selectors.agency_successions(agency=agency),
        "can_handover": permissions.handover_body_ids(request.user) != set(),
    }
    return render(request, "org/agency_detail.html", context)


# --- handing tasks over to successors -----------------------------------------


HANDOVER_PAGE = "org/succession_handover.html"


def _handover_choices(data) -> dict[str, str]:
    """``{item key: successor id}`` from the form's ``choice-<key>`` selects."""
    return {
        name.removeprefix("choice-"): value
        for name, value in data.items()
        if name.startswith("choice-") and value
    }


@login_required
@require_http_methods(["GET", "POST"])
def succession_handover(request, pk: int):
    """Preview a succession's handover (GET) and commit it (POST).

    Leader, deputy, secretariat, specialists (their bodies' tasks) and
    administrators (all); a user of no body gets 404, a member 403.
    """
    from dieuphoi.tasks import handover

    body_ids = permissions.require_handover(request.user)
    succession = selectors.succession_get(pk=pk)
    if succession is None:
        raise Http404
    choices = _handover_choices(request.POST if request.method == "POST" else {})
    errors: list[str] = []
    if request.method == "POST":
        try:
            result = handover.handover_commit(
                succession=succession, actor=request.user, choices=choices
            )
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms]
        else:
            if result.total:
                message = ngettext(
                    "%(count)s task was handed over to the successor.",
                    "%(count)s tasks were handed over to the successor.",
                    len(result.tasks),
                ) % {"count": len(result.tasks)}
            else:
                message = _("Nothing was left to hand over.")
            url = reverse("org:succession-handover", args=[succession.pk])
            return _done(request, url, message)
    try:
        items = handover.handover_preview(
            succession=succession, choices=choices, body_ids=body_ids
        )
    except ValidationError as exc:
        items = []
        errors += [m for ms in exc.message_dict.values() for m in ms]
    context = {
        "succession": succession,
        "items": items,
        "errors": errors,
        "needs_choice": any(i.needs_choice for i in items),
        "can_commit": any(not i.kept for i in items),
    }
    return render(request, HANDOVER_PAGE, context, status=400 if errors else 200)


@login_required
@require_GET
def agency_handover(request, pk: int):
    """The handover page of the succession that ended the agency, or a clear
    error (400) when the agency has no successor."""
    from dieuphoi.tasks import handover

    permissions.require_handover(request.user)
    agency = selectors.agency_get(pk=pk)
    if agency is None:
        raise Http404
    try:
        succession = handover.succession_for_agency(agency)
    except ValidationError as exc:
        context = {
            "agency": agency,
            "succession": None,
            "items": [],
            "errors": [m for ms in exc.message_dict.values() for m in ms],
        }
        return render(request, HANDOVER_PAGE, context, status=400)
    return redirect("org:succession-handover", pk=succession.pk)


def _agency_form_page(request, form, title, agency=None):
    back = (
        reverse("org:agency-detail", args=[agency.pk])
        if agency
        else reverse("org:agency-list")
    )
    context = {"form": form, "title": title, "back_url": back}
    if agency is not None:
        context["events"] = audit_timeline(target=agency)
    return render(request, "org/registry_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agency_create(request):
    permissions.require_registry_editor(request.user)
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = reverse("org:agency-detail", args=[agency.pk])
            return _done(request, url, _("The agency was added."))
    return _agency_form_page(request, form, _("Add an agency"))


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request, pk: int):
    permissions.require_registry_editor(request.user)
    agency = Agency.objects.filter(pk=pk).first()
    if agency is None:
        raise Http404
    initial = {
        **{
            name: getattr(agency, name)
            for name in services.AGENCY_EDITABLE
            if name != "predecessors"
        },
        "predecessors": list(agency.predecessors.all()),
    }
    form = AgencyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(
                actor=request.user, agency=agency, data=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = reverse("org:agency-detail", args=[agency.pk])
            return _done(request, url, _("The agency was saved."))
    return _agency_form_page(
        request, form, _("Edit %(name)s") % {"name": agency.name}, agency
    )


# --- bodies -----------------------------------------------------------------


@login_required
@require_GET
def body_list(request):
    form, on, _data, status = _as_of(request, AsOfForm)
    bodies = selectors.body_list(user=request.user, on=on)
    return render_page(
        request,
        "org/body_list.html",
        {"form": form, "on": on, "bodies": bodies},
        status=status,
    )


@login_required
@require_GET
def body_detail(request, pk: int):
    body = permissions.access_body(user=request.user, pk=pk)
    form, on, _data, status = _as_of(request, AsOfForm)
    agency_roles = list(selectors.body_agency_roles(body=body, on=on))
    context = {
        "body": body,
        "form": form,
        "on": on,
        "is_today": on == local_today(),
        "members": selectors.body_members(body=body, on=on),
        "standing_agency": next(
            (r.agency for r in agency_roles if r.role == r.Role.STANDING), None
        ),
        "member_agencies": [r for r in agency_roles if r.role == r.Role.MEMBER],
        "role_history": selectors.body_role_history(body=body),
        "events": selectors.body_timeline(body=body),
        "can_manage": permissions.can_manage_members(request.user, body.pk),
        "can_edit": permissions.can_edit_registry(request.user),
    }
    return render_page(request, BODY_PAGE, context, "roster", status=status)


@login_required
@require_http_methods(["GET", "POST"])
def body_edit(request, pk: int):
    body = permissions.access_body(user=request.user, pk=pk, perm="org.edit_registry")
    initial = {name: getattr(body, name) for name in BodyForm.base_fields}
    form = BodyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.body_update(actor=request.user, body=body, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, _body_url(body), _("The body was saved."))
    return render(
        request,
        "org/registry_form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": body.name},
            "back_url": _body_url(body),
            "events": audit_timeline(target=body),
        },
    )


# --- memberships ------------------------------------------------------------


def _membership_context(
    body, form, *, title, action, membership=None, conflict_event=None
):
    return {
        "body": body,
        "membership": membership,
        "form": form,
        "title": title,
        "form_action": action,
        "cancel_url": _body_url(body),
        "conflict_event": conflict_event,
    }


@login_required
@require_http_methods(["GET", "POST"])
def membership_create(request, pk: int):
    body = permissions.access_body(
        user=request.user, pk=pk, perm="org.manage_body_members"
    )
    initial = {"valid_from": local_today(), "is_part_time": True}
    form = MembershipForm(request.POST or None, body=body, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.membership_create(actor=request.user, body=body, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, _body_url(body), _("The member was added."))
    context = _membership_context(
        body,
        form,
        title=_("Add a member"),
        action=reverse("org:membership-create", args=[body.pk]),
    )
    return _member_form_response(request, "membership-form", context)


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request, pk: int):
    membership = permissions.access_membership(
        user=request.user, pk=pk, perm="org.manage_body_members"
    )
    body = membership.body
    initial = {name: getattr(membership, name) for name in services.MEMBERSHIP_EDITABLE}
    initial["version"] = membership.version
    form = MembershipForm(
        request.POST or None, body=body, editing=True, initial=initial
    )
    conflict_event, status = None, 200
    if request.method == "POST" and form.is_valid():
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k in services.MEMBERSHIP_EDITABLE
        }
        try:
            services.membership_update(
                actor=request.user,
                membership=membership,
                version=form.cleaned_data["version"],
                data=data,
            )
        except Conflict as exc:
            form, conflict_event = _conflict(
                request, MembershipForm, exc, membership, body=body, editing=True
            )
            status = 200 if _is_fragment_request(request) else 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, _body_url(body), _("The membership was saved."))
    context = _membership_context(
        body,
        form,
        title=_("Edit the membership of %(person)s") % {"person": membership.person},
        action=reverse("org:membership-edit", args=[membership.pk]),
        membership=membership,
        conflict_event=conflict_event,
    )
    return _member_form_response(request, "membership-form", context, status)


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request, pk: int):
    membership = permissions.access_membership(
        user=request.user, pk=pk, perm="org.manage_body_members"
    )
    body = membership.body
    initial = {"valid_to": local_today(), "version": membership.version}
    form = MembershipEndForm(request.POST or None, initial=initial)
    conflict_event, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(
                actor=request.user,
                membership=membership,
                valid_to=form.cleaned_data["valid_to"],
                version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form, conflict_event = _conflict(
                request, MembershipEndForm, exc, membership
            )
            status = 200 if _is_fragment_request(request) else 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, _body_url(body), _("The membership was ended."))
    context = _membership_context(
        body,
        form,
        title=_("End the membership of %(person)s") % {"person": membership.person},
        action=reverse("org:membership-end", args=[membership.pk]),
        membership=membership,
        conflict_event=conflict_event,
    )
    return _member_form_response(request, "membership-end-form", context, status)


@login_required
@require_http_methods(["GET", "POST"])
def duty_assign(request, pk: int):
    membership = permissions.access_membership(
        user=request.user, pk=pk, perm="org.manage_body_members"
    )
    body = membership.body
    initial = {
        "text": membership.duties,
        "assigned_on": local_today(),
        "version": membership.version,
    }
    form = DutyAssignForm(request.POST or None, body=body, initial=initial)
    conflict_event, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_assign(
                actor=request.user, membership=membership, **form.cleaned_data
            )
        except Conflict as exc:
            form, conflict_event = _conflict(
                request, DutyAssignForm, exc, membership, body=body
            )
            status = 200 if _is_fragment_request(request) else 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, _body_url(body), _("The duties were assigned."))
    context = _membership_context(
        body,
        form,
        title=_("Assign duties to %(person)s") % {"person": membership.person},
        action=reverse("org:duty-assign", args=[membership.pk]),
        membership=membership,
        conflict_event=conflict_event,
    )
    context["duty_history"] = selectors.membership_duties(membership=membership)
    return _member_form_response(request, "duty-form", context, status)


# --- people -----------------------------------------------------------------


@login_required
@require_GET
def person_detail(request, pk: int):
    person = permissions.access_person(user=request.user, pk=pk)
    memberships = selectors.person_memberships(user=request.user, person=person)
    visible = permissions.visible_body_ids(request.user)
    context = {
        "person": person,
        "memberships": memberships,
        "visible_body_ids": visible,
        "today": local_today(),
    }
    return render(request, "org/person_detail.html", context)
