"""Escalations: the list for the leadership meeting, and resolving one.

Permissions (see ``permissions``): the list needs a leader, deputy,
secretariat or specialist seat (or administrator / city leadership), else
403; an escalation of a task the user cannot see is 404; resolving needs the
leader, deputy or secretariat of the task's body (403 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.org import permissions as org_perms
from dieuphoi.tasks.permissions import manager_body_ids, user_seats

from . import permissions, selectors, services
from .forms import ResolveForm

STATES = [
    (selectors.OPEN, "open"),
    (selectors.RESOLVED, "resolved"),
    (selectors.ALL, "all"),
]


def _int(value) -> int | None:
    """An id from the URL, or ``None`` (``dieuphoi.core.params``)."""
    return params.parse_id_or_none(value)


def _page(request, *, failed_pk: int | None = None, form=None, status: int = 200):
    state = request.GET.get("state", selectors.OPEN)
    if state not in (selectors.OPEN, selectors.RESOLVED, selectors.ALL):
        state = selectors.OPEN
    before = _int(request.GET.get("before"))
    rows = selectors.escalation_list(user=request.user, state=state, before_id=before)
    more = len(rows) > selectors.PAGE_SIZE
    rows = rows[: selectors.PAGE_SIZE]
    user = request.user
    manage_all = org_perms.is_admin(user)
    managed = org_perms.body_roles(user)
    for row in rows:
        row.can_resolve = not row.resolved and (
            manage_all
            or bool(
                managed.get(row.task.body_id, frozenset())
                & org_perms.MEMBER_MANAGER_ROLES
            )
        )
        row.form = (
            form if row.pk == failed_pk else ResolveForm(auto_id=f"id_e{row.pk}_%s")
        )
    return render_page(
        request,
        "reminders/escalation_list.html",
        {
            "escalations": rows,
            "state": state,
            "next_before": rows[-1].pk if more and rows else None,
        },
        "escalation-table",
        status=status,
    )


@login_required
@require_GET
def escalation_list(request):
    permissions.require_escalation_viewer(request.user)
    return _page(request)


@login_required
@require_POST
def escalation_resolve(request, pk: int):
    escalation = permissions.access_escalation(user=request.user, pk=pk, resolve=True)
    form = ResolveForm(request.POST, auto_id=f"id_e{escalation.pk}_%s")
    if form.is_valid():
        try:
            services.escalation_resolve(
                escalation=escalation,
                actor=request.user,
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("The escalation of %(code)s is resolved.")
                % {"code": escalation.task.code},
            )
            target = request.POST.get("next") or reverse("reminders:escalations")
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}
            ):
                target = reverse("reminders:escalations")
            return redirect(target)
    return _page(request, failed_pk=escalation.pk, form=form, status=400)


# --- home section -----------------------------------------------------------

HOME_LIST_SIZE = 5


def home_section(request):
    """Open escalations on the home page of leaders and the secretariat. No
    query for anyone else (the seats are cached by the tasks section)."""
    user = request.user
    if not user_seats(user) or not manager_body_ids(user):
        return None
    rows = selectors.escalation_list(user=user, limit=HOME_LIST_SIZE)
    if not rows:
        return None
    return {
        "template": "reminders/home_section.html",
        "context": {
            "escalations": rows[:HOME_LIST_SIZE],
            "more": len(rows) > HOME_LIST_SIZE,
            "list_url": reverse("reminders:escalations"),
        },
    }


def task_panel(request, task):
    """Escalations and recent reminders, for the task page (tasks.panels)."""
    panel = selectors.task_reminder_panel(user=request.user, task=task)
    if not panel["escalations"] and not panel["reminders"]:
        return None
    return {"template": "reminders/task_escalation.html", "context": {"panel": panel}}
