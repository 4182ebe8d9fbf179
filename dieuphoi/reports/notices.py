"""Who is told of what happens to a contribution request
(``dieuphoi.notifications``), and the registrations the contributions need.

| event | kind | told |
|---|---|---|
| a request is made | report_contribution_requested | whoever acts for each party asked (``tasks.notices.PartySeats``), about their own contribution |
| a contribution is submitted | report_contribution_submitted | the body's secretariat |

The actor is never told of their own action; keys name the event and the
contribution, so running an event again adds nothing.

``contributions_ready()`` is called from ``ReportsConfig.ready()``: the
notification kinds and target, the attachment target (a contribution's
files), the ladder's obligation source (``urging``) and the audit labels.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.notifications.services import NotificationSpec, notify_many
from dieuphoi.org.models import Membership
from dieuphoi.paperwork import content as c
from dieuphoi.tasks.notices import PartySeats

from .models import Contribution, ContributionRequest

REQUESTED = "report_contribution_requested"
SUBMITTED = "report_contribution_submitted"


def contributions_requested(
    *, request: ContributionRequest, actor, on: datetime.date
) -> int:
    report = request.report
    contributions = list(request.contributions.all())
    seats = PartySeats.load(
        on,
        bodies=[report.body_id],
        party_bodies=[p.party_body_id for p in contributions if p.party_body_id],
        party_agencies=[p.agency_id for p in contributions if p.agency_id],
    )
    type_id = ContentType.objects.get_for_model(Contribution).pk
    actor_id = getattr(actor, "pk", None)

    def title() -> str:
        return gettext("Your section of %(report)s is asked for by %(date)s") % {
            "report": report.title[:150],
            "date": c.dmy(request.deadline),
        }

    specs = [
        NotificationSpec(
            recipient_id=person,
            kind=REQUESTED,
            key=f"contribution:{item.pk}:requested:{person}",
            title=title,
            url=item.get_absolute_url(),
            target_type_id=type_id,
            target_id=item.pk,
            day=on,
        )
        for item in contributions
        for person in sorted(
            seats.party(report.body_id, item.agency_id, item.party_body_id)
        )
        if person != actor_id
    ]
    return notify_many(specs) if specs else 0


def contribution_submitted(
    *, contribution: Contribution, actor, on: datetime.date
) -> int:
    report = contribution.request.report
    seats = PartySeats.load(on, bodies=[report.body_id])
    people = seats.role(report.body_id, Membership.Role.SECRETARIAT)
    people.discard(getattr(actor, "pk", None))
    if not people:
        return 0
    type_id = ContentType.objects.get_for_model(Contribution).pk

    def title() -> str:
        if contribution.late:
            text = gettext("%(party)s submitted its section of %(report)s, late")
        else:
            text = gettext("%(party)s submitted its section of %(report)s")
        return text % {"party": contribution.name, "report": report.title[:150]}

    return notify_many(
        [
            NotificationSpec(
                recipient_id=person,
                kind=SUBMITTED,
                key=f"contribution:{contribution.pk}:submitted:{person}",
                title=title,
                url=contribution.get_absolute_url(),
                target_type_id=type_id,
                target_id=contribution.pk,
                day=on,
            )
            for person in sorted(people)
        ]
    )


# --- registrations ----------------------------------------------------------------


def _may_attach(user, contribution: Contribution) -> bool:
    from .contributions import can_edit

    return can_edit(user, contribution)


def _is_open(contribution: Contribution) -> bool:
    from .contributions import report_is_open

    return contribution.state != Contribution.State.SUBMITTED and report_is_open(
        contribution.request.report
    )


def contributions_ready() -> None:
    """Everything the contributions register; call it from
    ``ReportsConfig.ready()`` (registering again replaces, so it is safe
    to call twice)."""
    from dieuphoi.audit.labels import register_action_labels
    from dieuphoi.docs.permissions import register_attachment_target
    from dieuphoi.notifications.kinds import register_kind
    from dieuphoi.notifications.registry import register_notification_target

    from . import urging
    from .contributions import ACTION_LABELS
    from .permissions import can_view_contribution

    register_action_labels(ACTION_LABELS)
    register_notification_target(Contribution, can_view=can_view_contribution)
    register_kind(
        REQUESTED,
        _("Your agency's section of a report is asked for"),
        must_act=True,
        order=75,
    )
    register_kind(SUBMITTED, _("A section of a report was submitted"), order=76)
    # A contribution's files: whoever sees it sees them; whoever acts for
    # the party adds them while it is open (not submitted, report open).
    register_attachment_target(
        Contribution,
        view_check=can_view_contribution,
        change_check=_may_attach,
        body_of=lambda item: item.request.report.body_id,
        is_open=_is_open,
    )
    urging.register()
