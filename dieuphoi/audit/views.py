from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from dieuphoi.core.htmx import render_page
from dieuphoi.org.permissions import is_admin

from . import selectors
from .forms import AuditFilterForm

PAGE_SIZE = 50


@login_required
def event_list(request):
    """The whole audit log, for administrators only (others: 403).

    Keyset pagination: "load more" asks for events before the last id shown
    and appends them in place of the button (partial ``audit-more``).
    """
    if not is_admin(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    events: list = []
    has_more = False
    before = None
    if form.is_valid():
        data = form.cleaned_data
        before = data["before"]
        rows = selectors.audit_event_list(
            action=data["action"].strip(),
            actor_id=data["actor"].pk if data["actor"] else None,
            target_type_id=data["target_type"].pk if data["target_type"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
            before_id=before,
            limit=PAGE_SIZE + 1,
        )
        has_more = len(rows) > PAGE_SIZE
        events = rows[:PAGE_SIZE]
    context = {
        "form": form,
        "events": events,
        "has_more": has_more,
        "next_before": events[-1].pk if has_more else None,
        "page_size": PAGE_SIZE,
    }
    partial = "audit-more" if before else "audit-table"
    return render_page(request, "audit/event_list.html", context, partial)
