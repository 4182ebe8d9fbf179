"""The catalogue of notification kinds: what each is called, how it is
e-mailed by default, and whether it may be switched off.

Every ``Notification.kind`` a service sends should be in the catalogue; an
app adds its own from ``AppConfig.ready()``::

    from dieuphoi.notifications.kinds import register_kind

    register_kind("proposal_consulted", _("A proposal asks for your opinion"),
                  must_act=True)

- ``default_mode``: the e-mail mode when the person set nothing for this
  kind: ``None`` follows their general setting (e-mail per event for the
  leader, deputy and secretariat, the digest for everyone else); ``"digest"``
  sends it in the daily digest even to those who get other notifications at
  once (progress reports: many, and nobody has to act on them that day).
- ``must_act``: the person has to do something (confirm, decide, report):
  it cannot be switched off, only its e-mail mode changed.

A kind that is not in the catalogue is sent as before (general e-mail
setting) and cannot be switched off: nothing unknown is silently muted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str | Promise
    default_mode: str | None = None
    must_act: bool = False
    order: int = 100


_KINDS: dict[str, NotificationKind] = {}


def register_kind(
    key: str,
    label: str | Promise,
    *,
    default_mode: str | None = None,
    must_act: bool = False,
    order: int = 100,
) -> NotificationKind:
    """Add ``key`` to the catalogue (registering again replaces it)."""
    kind = NotificationKind(
        key=key,
        label=label,
        default_mode=default_mode,
        must_act=must_act,
        order=order,
    )
    _KINDS[key] = kind
    return kind


def get_kind(key: str) -> NotificationKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def is_switchable(key: str) -> bool:
    """Whether a person may switch ``key`` off (known and not must-act)."""
    kind = _KINDS.get(key)
    return kind is not None and not kind.must_act


# The kinds the system sends today. Tasks first (the daily work), then the
# reminders ladder, then the discussions, then system messages.
BUILT_IN = [
    ("task_assigned", _("A task is assigned to your agency or to you"), None, True),
    ("part_assigned", _("Your agency's co-operating part is assigned or changed"), None, True),
    ("progress_reported", _("Progress is reported on a task you follow"), "digest", False),
    ("task_reported_done", _("A task is reported done and waits for your confirmation"), None, True),
    ("task_confirmed", _("A task's completion is confirmed"), None, False),
    ("task_returned", _("A task is returned for more work"), None, True),
    ("task_cancelled", _("A task is cancelled"), None, False),
    ("deadline_changed", _("A task's deadline is changed"), None, False),
    ("extension_requested", _("An extension request waits for your decision"), None, True),
    ("extension_pending", _("Reminder: an extension request still waits for your decision"), None, True),
    ("extension_decided", _("An extension request is decided"), None, False),
    ("before_deadline", _("A task's deadline is near"), None, False),
    ("on_deadline", _("A task is due today"), None, False),
    ("urging", _("Urging: a task is overdue"), None, True),
    ("escalation", _("Escalation: a task is still overdue after the urgings"), None, True),
    ("progress_request", _("Please report the progress of a task"), None, True),
    ("part_before_deadline", _("Your agency's part is near its sub-deadline"), None, False),
    ("comment_mention", _("Someone mentions you in a comment"), None, False),
    ("email_failed", _("An e-mail could not be sent"), None, True),
]  # fmt: skip

for _order, (_key, _label, _mode, _must_act) in enumerate(BUILT_IN):
    register_kind(
        _key, _label, default_mode=_mode, must_act=_must_act, order=_order * 10
    )
