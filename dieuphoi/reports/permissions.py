"""Who may see and do what with a report and its contributions.

| who | sees | does |
|---|---|---|
| the body's leader, deputy, secretariat and specialists, administrators | the body's reports, their figures, every contribution | create, ask for contributions, compile, edit the text, draft the document (``can_manage_report``); review, approval and issue through the document's own rules (``paperwork.workflow``) |
| the body's other members (agency focal points), city leadership viewers | the body's reports and their figures, read-only | their own agency's contributions (below) |
| whoever acts for a party asked (``tasks.notices.PartySeats``: the agency's focal points in the body, or its people's seats elsewhere; every member of another province's team) | that contribution and the request's headings and deadline, nothing else of the report (404) | save drafts, attach files, submit once |
| anyone else | nothing: 404, an empty list | — |
"""

from __future__ import annotations

from django.http import Http404

from dieuphoi.core.models import local_today
from dieuphoi.org.permissions import can_manage_body, can_see_body, visible_body_ids

from .models import Contribution, Report


def can_view_report(user, report: Report) -> bool:
    return can_see_body(user, report.body_id)


def can_manage_report(user, report: Report) -> bool:
    return can_manage_body(user, report.body_id)


def visible_reports(user, qs=None):
    qs = Report.objects.all() if qs is None else qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    ids = visible_body_ids(user)
    if ids is None:
        return qs
    return qs.filter(body_id__in=sorted(ids)) if ids else qs.none()


def _id(value) -> int:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def access_report(*, user, pk) -> Report:
    """The report, or 404 when it does not exist or ``user`` may not see it."""
    report = (
        Report.objects.select_related("body", "paper", "replaces")
        .filter(pk=_id(pk))
        .first()
    )
    if report is None or not can_view_report(user, report):
        raise Http404
    return report


def acts_for(user, contribution: Contribution, *, on=None, seats=None) -> bool:
    """Whether ``user`` fills ``contribution`` (the one rule of who acts for
    a party: ``tasks.notices.PartySeats``). ``seats``: already loaded for
    this contribution's body and party (a bulk check), else loaded here."""
    from dieuphoi.tasks.notices import PartySeats

    if not getattr(user, "is_authenticated", False):
        return False
    body_id = contribution.request.report.body_id
    if seats is None:
        seats = PartySeats.load(
            on or local_today(),
            bodies=[body_id],
            party_bodies=[contribution.party_body_id]
            if contribution.party_body_id
            else [],
            party_agencies=[contribution.agency_id] if contribution.agency_id else [],
        )
    return user.pk in seats.party(
        body_id, contribution.agency_id, contribution.party_body_id
    )


def can_view_contribution(user, contribution: Contribution) -> bool:
    return can_see_body(user, contribution.request.report.body_id) or acts_for(
        user, contribution
    )


def contribution_visible_pairs(pairs: set[tuple[int, int]], on) -> set[tuple[int, int]]:
    """``can_view_contribution`` for many ``(user_id, contribution_id)``
    pairs (the notification centre and badge): the contributions, the users
    (none when known: ``users_by_id``), the party seats and each user's own
    seats, whatever the number of contributions."""
    from dieuphoi.notifications.registry import users_by_id
    from dieuphoi.tasks.notices import PartySeats

    users = users_by_id(u for u, _ in pairs)
    # (report's body, agency, party body) per contribution: plain rows, no
    # model instances (three tables' columns the rule does not read).
    contributions = {
        pk: (body_id, agency_id, party_body_id)
        for pk, body_id, agency_id, party_body_id in Contribution.objects.filter(
            pk__in={c for _, c in pairs}
        )
        .order_by()
        .values_list("pk", "request__report__body_id", "agency_id", "party_body_id")
    }
    found = contributions.values()
    seats = PartySeats.load(
        on,
        bodies={body for body, _a, _p in found},
        party_bodies={party for _b, _a, party in found},
        party_agencies={agency for _b, agency, _p in found},
        roles=False,
    )

    def sees(user, body_id, agency_id, party_body_id) -> bool:
        # can_view_contribution (acts_for's one rule), the seats loaded once.
        if can_see_body(user, body_id):
            return True
        return getattr(user, "is_authenticated", False) and user.pk in seats.party(
            body_id, agency_id, party_body_id
        )

    return {
        (u, c)
        for u, c in pairs
        if u in users and c in contributions and sees(users[u], *contributions[c])
    }


def access_contribution(*, user, pk) -> Contribution:
    contribution = (
        Contribution.objects.select_related(
            "request__report__body", "agency", "party_body"
        )
        .filter(pk=_id(pk))
        .first()
    )
    if contribution is None or not can_view_contribution(user, contribution):
        raise Http404
    return contribution
