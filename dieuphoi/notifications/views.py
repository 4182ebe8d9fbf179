"""Notification centre, header badge, preferences, and the outbox page.

Permissions:
- ``notifications:list``, ``:badge``, ``:preferences``: any logged-in user,
  about their own notifications only.
- ``:read``, ``:open``: the recipient; another user's notification is 404.
- ``:read-all``: marks the user's own notifications read.
- ``:emails``, ``:email-resend``: administrators; anyone else 403.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page

from . import permissions, rows, selectors, services
from .forms import PreferenceForm
from .models import OutgoingEmail

CHANGED_EVENT = "notifications-changed"


def _is_htmx(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def _int(value) -> int | None:
    """An id from the URL, or ``None`` (``dieuphoi.core.params``)."""
    return params.parse_id_or_none(value)


def _changed(response):
    response["HX-Trigger"] = json.dumps({CHANGED_EVENT: True})
    return response


def _list_context(request) -> dict:
    unread_only = request.GET.get("unread") == "1"
    before = _int(request.GET.get("before"))
    page = selectors.notification_list(
        user=request.user, unread_only=unread_only, before_id=before
    )
    return {
        "notifications": page.rows,
        "rows_html": rows.rows_html(request, page.rows),
        "unread_only": unread_only,
        "next_before": page.next_before,
        "is_first_page": before is None,
    }


@never_cache
@login_required
@require_GET
def notification_list(request):
    context = _list_context(request)
    return render_page(
        request, "notifications/notification_list.html", context, "notification-list"
    )


@never_cache
@require_GET
def notification_badge(request):
    """The header count. A session that expired gets 204 (htmx swaps
    nothing) rather than a redirect to the login page inside the badge."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    response = render(
        request,
        "notifications/badge.html#notification-badge",
        {"unread": selectors.unread_count(user=request.user)},
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = permissions.access_notification(user=request.user, pk=pk)
    services.notification_mark_read(notification=notification, user=request.user)
    if _is_htmx(request):
        rows.with_icons([notification])
        return _changed(
            render(
                request,
                "notifications/notification_list.html#notification-row",
                {"notification": notification},
            )
        )
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notification_mark_all_read(user=request.user)
    if _is_htmx(request):
        response = render(
            request,
            "notifications/notification_list.html#notification-list",
            _list_context(request),
        )
        return _changed(response)
    if count:
        messages.success(request, gettext("All notifications are marked read."))
    return redirect("notifications:list")


@login_required
@require_GET
def notification_open(request, pk: int):
    """Mark read (idempotent) and go to the item; an item the user may no
    longer see gets a message in the centre instead of a 404 page."""
    notification = permissions.access_notification(user=request.user, pk=pk)
    services.notification_mark_read(notification=notification, user=request.user)
    if not selectors.notification_item_visible(
        user=request.user, notification=notification
    ):
        messages.warning(
            request,
            gettext(
                "The item of this notification is no longer available to you "
                "(it was removed, or you no longer have access to it)."
            ),
        )
        return redirect("notifications:list")
    url = notification.url
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = reverse("notifications:list")
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = selectors.preference_get(user=request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.preference_update(
                    user=request.user,
                    actor=request.user,
                    email_mode=form.cleaned_data["email_mode"],
                    language=form.cleaned_data["language"],
                    kinds=form.kind_values(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, gettext("Your notification settings are saved.")
                )
                return redirect("notifications:preferences")
    else:
        form = PreferenceForm(
            initial={
                "email_mode": preference.email_mode,
                "language": preference.language,
                **{
                    services.KIND_FIELD.format(row["kind"].key): row["mode"]
                    for row in selectors.kind_settings(user=request.user)
                },
            }
        )
    return render_page(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "effective_mode": services.effective_email_mode(request.user),
            "has_email": bool(request.user.email),
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
@require_GET
def email_list(request):
    permissions.require_email_admin(request.user)
    status = request.GET.get("status", "")
    if status not in OutgoingEmail.Status.values:
        status = ""
    before = _int(request.GET.get("before"))
    rows = selectors.outgoing_email_list(status=status, before_id=before)
    more = len(rows) > selectors.PAGE_SIZE
    rows = rows[: selectors.PAGE_SIZE]
    return render_page(
        request,
        "notifications/email_list.html",
        {
            "emails": rows,
            "status": status,
            "statuses": OutgoingEmail.Status.choices,
            "next_before": rows[-1].pk if more and rows else None,
        },
        "email-table",
    )


@login_required
@require_POST
def email_resend(request, pk: int):
    email = permissions.access_outgoing_email(user=request.user, pk=pk)
    try:
        services.outgoing_email_resend(email=email, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, gettext("The e-mail to %(to)s is queued again.") % {"to": email.to}
        )
    return redirect(reverse("notifications:emails") + "?status=failed")
