"""The registrations the contributions need, called from
``ReportsConfig.ready()`` (``contributions_ready()``): the notification
kinds (told by ``contribution_notices``) and target, the attachment target
(a contribution's files), the ladder's obligation source (``urging``) and
the audit labels.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .contribution_notices import REQUESTED, SUBMITTED
from .contributions import ACTION_LABELS, can_edit, report_is_open
from .models import Contribution


def _may_attach(user, contribution: Contribution) -> bool:
    return can_edit(user, contribution)


def _is_open(contribution: Contribution) -> bool:
    return contribution.state != Contribution.State.SUBMITTED and report_is_open(
        contribution.request.report
    )


def contributions_ready() -> None:
    """Everything the contributions register; call it from
    ``ReportsConfig.ready()`` (registering again replaces, so it is safe
    to call twice)."""
    from dieuphoi.audit.labels import register_action_labels
    from dieuphoi.core import cache as stamps
    from dieuphoi.docs.permissions import register_attachment_target
    from dieuphoi.notifications.kinds import register_kind
    from dieuphoi.notifications.registry import register_notification_target

    from . import cache, urging
    from .permissions import can_view_contribution, contribution_visible_pairs

    register_action_labels(ACTION_LABELS)
    register_notification_target(
        Contribution,
        can_view=can_view_contribution,
        visible_pairs=contribution_visible_pairs,
        # The report's body and the party (reports), who acts for the
        # party (everyone's seats), and the user's own seats.
        stamps=(stamps.REPORTS, stamps.SEATS),
    )
    cache.connect()
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
