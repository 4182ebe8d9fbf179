"""Pages of contribution requests and contributions (thin: permissions,
``contributions`` services and reads).

| URL name | who |
|---|---|
| ``request`` | the managers of the report's body (403 for its other viewers, 404 for the rest) |
| ``contribution`` | who sees the report's body, and whoever acts for the party (404 for the rest); saving and submitting: whoever acts for the party (403 otherwise) |
| ``contribution-preview`` | whoever may fill the contribution (403 / 404 as above): the blocks a text becomes |
| ``contribution-upload`` | whoever may fill the contribution while it is open (403 / 404 as above) |
| ``my-contributions`` | anyone signed in: the contributions they act for; none for an outsider |
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.docs import services as docs_services
from dieuphoi.docs.forms import AttachmentForm
from dieuphoi.docs.views import attachment_changed_response, attachments_context
from dieuphoi.paperwork import content as c
from dieuphoi.tasks.forms import Choices

from . import contributions, permissions
from . import sections as section_text
from .contribution_forms import (
    ContributionForm,
    RequestForm,
    heading_lines,
    parse_heading_lines,
    section_field_name,
)
from .models import Contribution

TEMPLATE = "reports/contribution_detail.html"


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _conflict_text() -> str:
    return gettext(
        "Someone changed this while you were working on it. Nothing was saved; "
        "your input is kept below. Check their change, then save again."
    )


# --- the request ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request, pk: int):
    report = permissions.access_report(user=request.user, pk=pk)
    if not permissions.can_manage_report(request.user, report):
        raise PermissionDenied
    defaults = contributions.default_headings(report)
    choices = Choices(bodies=[report.body], on=local_today())
    form = RequestForm(
        request.POST or None,
        choices=choices,
        initial={
            "deadline": max(min(report.end, report.deadline), local_today()),
            "headings": heading_lines(defaults),
        },
    )
    notice = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agencies, bodies = form.split_parties()
        try:
            asked = contributions.contributions_request(
                actor=request.user,
                report=report,
                agencies=agencies,
                party_bodies=bodies,
                deadline=data["deadline"],
                headings=parse_heading_lines(data["headings"], defaults),
                message=data["message"],
            )
        except ValidationError as exc:
            notice = " ".join(add_service_errors(form, exc, {"state": None}))
            status = 422
        else:
            n = asked.contributions.count()
            messages.success(
                request,
                gettext(
                    "%(n)d agencies and teams were asked for their sections by "
                    "%(date)s."
                )
                % {"n": n, "date": c.dmy(asked.deadline)},
            )
            return redirect(asked.get_absolute_url())
    elif request.method == "POST":
        status = 422
    return render_page(
        request,
        "reports/contribution_request.html",
        {
            "report": report,
            "form": form,
            "notice": notice,
            "open": contributions.report_is_open(report),
        },
        status=status,
    )


# --- a contribution -------------------------------------------------------------------


def _attachments(
    request, contribution: Contribution, form=None, *, can_upload=None
) -> dict:
    if can_upload is None:
        can_upload = contributions.can_edit(request.user, contribution)
    return attachments_context(
        request,
        target=contribution,
        upload_url=reverse("reports:contribution-upload", args=[contribution.pk]),
        can_upload=can_upload,
        form=form,
    )


def _preview(key: str, text: str) -> dict:
    blocks = section_text.text_to_blocks(text)
    return {
        "key": key,
        "blocks": blocks,
        "has_table": any(isinstance(b, c.Table) for b in blocks),
    }


def _sections_view(headings: list[dict], texts: dict, form) -> list[dict]:
    out = []
    for heading in headings:
        text = texts.get(heading["key"], "") or ""
        out.append(
            {
                "heading": heading,
                "field": form[section_field_name(heading["key"])] if form else None,
                "text": text,
                "preview": _preview(heading["key"], text),
            }
        )
    return out


def _detail_response(
    request,
    contribution: Contribution,
    *,
    form=None,
    notice="",
    status=200,
    upload_form=None,
):
    user = request.user
    report = contribution.request.report
    acts = permissions.acts_for(user, contribution)
    editable = (
        acts
        and contribution.state != Contribution.State.SUBMITTED
        and contributions.report_is_open(report)
    )
    headings = contribution.request.headings
    if editable and form is None:
        form = ContributionForm(
            headings=headings,
            initial={
                "version": contribution.version,
                **{
                    section_field_name(k): v
                    for k, v in (contribution.sections or {}).items()
                },
            },
        )
    texts = contribution.sections or {}
    if form is not None and form.is_bound:
        texts = {
            h["key"]: form.data.get(section_field_name(h["key"]), "") for h in headings
        }
    context = {
        "contribution": contribution,
        "asked": contribution.request,
        "report": report,
        "can_see_report": permissions.can_view_report(user, report),
        "editable": editable,
        "acts_for": acts,
        "form": form if editable else None,
        "rows": _sections_view(headings, texts, form if editable else None),
        "overdue": contribution.state != Contribution.State.SUBMITTED
        and local_today() > contribution.request.deadline,
        "notice": notice,
        **_attachments(request, contribution, upload_form, can_upload=editable),
    }
    return render_page(request, TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contribution_detail(request, pk: int):
    contribution = permissions.access_contribution(user=request.user, pk=pk)
    if request.method == "GET":
        return _detail_response(request, contribution)
    if not permissions.acts_for(request.user, contribution):
        raise PermissionDenied
    form = ContributionForm(request.POST, headings=contribution.request.headings)
    if not form.is_valid():
        return _detail_response(request, contribution, form=form, status=422)
    data = form.cleaned_data
    submit = data.get("action") == "submit"
    try:
        if submit:
            done = contributions.contribution_submit(
                actor=request.user,
                contribution=contribution,
                version=data["version"],
                sections=form.sections(),
            )
        else:
            done = contributions.contribution_save(
                actor=request.user,
                contribution=contribution,
                version=data["version"],
                sections=form.sections(),
            )
    except Conflict:
        return _detail_response(
            request, contribution, form=form, notice=_conflict_text(), status=409
        )
    except ValidationError as exc:
        rename = {
            h["key"]: section_field_name(h["key"])
            for h in contribution.request.headings
        }
        rename["state"] = None
        leftover = add_service_errors(form, exc, rename)
        contribution.refresh_from_db()
        return _detail_response(
            request,
            contribution,
            form=form if contributions.can_edit(request.user, contribution) else None,
            notice=" ".join(leftover),
            status=422,
        )
    if submit:
        message = (
            gettext("Your section was submitted after the deadline.")
            if done.late
            else gettext("Your section was submitted. Thank you.")
        )
    else:
        message = gettext("The draft is saved.")
    messages.success(request, message)
    return redirect(done.get_absolute_url())


@login_required
@require_POST
def contribution_preview(request, pk: int):
    """The blocks of one textarea's text (HTMX, while typing)."""
    contribution = permissions.access_contribution(user=request.user, pk=pk)
    if not permissions.acts_for(request.user, contribution):
        raise PermissionDenied
    key = request.POST.get("key", "")
    headings = {h["key"] for h in contribution.request.headings}
    if key not in headings:
        return render_page(
            request, TEMPLATE, {"preview": _preview("", "")}, "preview", status=422
        )
    text = request.POST.get(section_field_name(key), "")
    return render_page(
        request,
        TEMPLATE,
        {"preview": _preview(key, text[: section_text.SECTION_MAX + 1])},
        "preview",
    )


@login_required
@require_POST
def contribution_upload(request, pk: int):
    contribution = permissions.access_contribution(user=request.user, pk=pk)
    if not contributions.can_edit(request.user, contribution):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    attached = None
    if form.is_valid():
        try:
            attached = docs_services.attachment_add(
                actor=request.user,
                target=contribution,
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if attached is not None:
        message = gettext("%(name)s was attached.") % {"name": attached.original_name}
        if not _is_htmx(request):
            messages.success(request, message)
            return redirect(contribution.get_absolute_url())
        response = render_page(
            request, TEMPLATE, _attachments(request, contribution), "attachments"
        )
        return attachment_changed_response(response, message)
    if _is_htmx(request):
        return render_page(
            request,
            TEMPLATE,
            _attachments(request, contribution, form),
            "attachments",
            status=422,
        )
    return _detail_response(request, contribution, status=422, upload_form=form)


# --- my contributions -------------------------------------------------------------------


@login_required
@require_GET
def my_contributions(request):
    items = contributions.my_contributions(request.user)
    return render_page(
        request,
        "reports/contribution_list.html",
        {
            "items": items,
            "open_count": sum(
                1
                for item in items
                if item.state != Contribution.State.SUBMITTED and not item.closed
            ),
        },
    )
