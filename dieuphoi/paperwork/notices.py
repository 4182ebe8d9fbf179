"""Who is told of what happens to a paper (``dieuphoi.notifications``).

| event | kind | told |
|---|---|---|
| submitted | paper_review | the signer |
| returned | paper_returned | the drafter |
| approved | paper_approved | the body's secretariat (they issue it), the drafter |
| issued | paper_issued | the drafter, the signer |
| withdrawn while in review | paper_withdrawn | the signer |
| sent | paper_received | whoever acts for each recipient (``recipient_people``) |

Who acts for a recipient agency or body is the rule the tasks use
(``tasks.notices.PartySeats``): an agency's focal points in the issuing
body, or its people's seats elsewhere; another province's team, all its
members. The actor is never told of their own action; keys make a re-run
add nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.notifications.services import notify
from dieuphoi.org.models import Membership
from dieuphoi.tasks.notices import PartySeats

from .models import Paper, PaperRecipient

KINDS = {
    "submit": "paper_review",
    "return": "paper_returned",
    "approve": "paper_approved",
    "issue": "paper_issued",
    "withdraw": "paper_withdrawn",
}


def _name(paper: Paper) -> str:
    text = paper.reference or paper.subject
    return text if len(text) <= 120 else text[:119] + "…"


def _recipients(paper: Paper, action: str, previous_state: str | None = None) -> set:
    if action == "submit":
        return {paper.signer_id}
    if action == "return":
        return {paper.created_by_id}
    if action == "approve":
        clerks = set(
            Membership.objects.as_of(local_today())
            .filter(body_id=paper.body_id, role=Membership.Role.SECRETARIAT)
            .values_list("person_id", flat=True)
        )
        return clerks | {paper.created_by_id}
    if action == "issue":
        return {paper.created_by_id, paper.signer_id}
    if action == "withdraw":
        return {paper.signer_id}
    return set()


def paper_transitioned(*, paper: Paper, action: str, actor, comment: str = "") -> int:
    kind = KINDS.get(action)
    if kind is None:
        return 0
    people = _recipients(paper, action) - {None, getattr(actor, "pk", None)}
    if not people:
        return 0
    name = _name(paper)

    def title() -> str:
        text = {
            "submit": gettext("A document waits for your approval: %(name)s"),
            "return": gettext("Your draft was returned for changes: %(name)s"),
            "approve": gettext(
                "A document is approved and waits to be issued: %(name)s"
            ),
            "issue": gettext("The document is issued as %(name)s"),
            "withdraw": gettext("A draft you were to approve was withdrawn: %(name)s"),
        }[action]
        return text % {"name": _name(paper) if action == "issue" else name}

    return notify(
        recipients=people,
        kind=kind,
        target=paper,
        title=title,
        url=paper.get_absolute_url(),
        key=f"paper:{paper.pk}:{action}:{paper.version}",
    )


def recipient_people(
    paper: Paper, recipients: list[PaperRecipient]
) -> dict[int, set[int]]:
    """``{recipient id: person ids}``: who acts for each recipient today."""
    seats = PartySeats.load(
        local_today(),
        bodies=[paper.body_id],
        party_bodies=[r.party_body_id for r in recipients if r.party_body_id],
        party_agencies=[r.agency_id for r in recipients if r.agency_id],
    )
    return {
        r.pk: seats.party(paper.body_id, r.agency_id, r.party_body_id)
        for r in recipients
    }


def paper_sent(*, paper: Paper, people: set[int], actor) -> int:
    people = set(people) - {getattr(actor, "pk", None)}
    if not people:
        return 0

    def title() -> str:
        return gettext("A document was sent to your agency: %(name)s — %(subject)s") % {
            "name": paper.reference,
            "subject": paper.subject[:100],
        }

    return notify(
        recipients=people,
        kind="paper_received",
        target=paper,
        title=title,
        url=paper.get_absolute_url(),
        key=f"paper:{paper.pk}:sent",
    )
