"""Home page section "Documents that need my action" (``core.home``).

One card per step the user holds: approve (the signer), fix a returned draft
(its drafter), issue, file the signed copy and send (the body's secretariat),
read what was sent to me (the inbox). One query for all of them (nothing for
someone who holds no seat: only people with a seat draft, sign, issue or
receive papers); the section is hidden when every card is empty.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dieuphoi.org.models import Membership
from dieuphoi.org.permissions import body_roles, is_admin

from .models import Paper, PaperDelivery, PaperStep

LIMIT = 8
# Enough rows for every card to fill up in the usual case; a card that has
# more shows "+".
SCAN = 60
S = Paper.State
CLERK_STATES = {
    S.APPROVED: ("issue", _("Approved, to be issued")),
    S.ISSUED: ("sign", _("Issued, signed copy to file")),
    S.SIGNED: ("send", _("Signed, to be sent")),
}
ORDER = ["approve", "returned", "issue", "sign", "send", "inbox"]
LABELS = {
    "approve": _("Waiting for my approval"),
    "returned": _("Returned to me for changes"),
    "inbox": _("Sent to me, not read yet"),
    **dict(CLERK_STATES.values()),
}


def _clerk_scope(user) -> Q | None:
    if is_admin(user):
        return Q()
    bodies = [
        b
        for b, roles in body_roles(user).items()
        if Membership.Role.SECRETARIAT in roles
    ]
    return Q(body_id__in=bodies) if bodies else None


def home_section(request):
    user = request.user
    if not user.is_authenticated or not (body_roles(user) or is_admin(user)):
        return None
    last_step = (
        PaperStep.objects.filter(paper_id=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("action")[:1]
    )
    unread = PaperDelivery.objects.filter(
        paper_id=OuterRef("pk"), person_id=user.pk, read_at__isnull=True
    )
    where = (
        Q(signer_id=user.pk, state=S.IN_REVIEW)
        # Returned and not resubmitted yet: the last step is the return.
        | Q(created_by_id=user.pk, state=S.DRAFT, last_action="return")
        | Q(unread=True)
    )
    clerk = _clerk_scope(user)
    if clerk is not None:
        where |= clerk & Q(state__in=list(CLERK_STATES))
    rows = list(
        Paper.objects.annotate(last_action=Subquery(last_step), unread=Exists(unread))
        .filter(where)
        .select_related("kind", "kind__doc_type", "body")
        .order_by("-updated_at", "-id")[:SCAN]
    )
    cards: dict[str, list[Paper]] = {key: [] for key in ORDER}
    for paper in rows:
        if paper.unread:
            cards["inbox"].append(paper)
        if paper.signer_id == user.pk and paper.state == S.IN_REVIEW:
            cards["approve"].append(paper)
        if paper.created_by_id == user.pk and paper.last_action == "return":
            cards["returned"].append(paper)
        if clerk is not None and paper.state in CLERK_STATES:
            cards[CLERK_STATES[paper.state][0]].append(paper)
    shown = [
        {
            "name": key,
            "label": LABELS[key],
            "items": cards[key][:LIMIT],
            "more": len(cards[key]) > LIMIT,
        }
        for key in ORDER
        if cards[key]
    ]
    if not shown:
        return None
    return {
        "template": "paperwork/home_section.html",
        "context": {
            "groups": shown,
            "list_url": reverse("paperwork:list"),
            "inbox_url": reverse("paperwork:inbox"),
        },
    }
