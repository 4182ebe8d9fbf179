"""Human labels for audit actions.

Apps register labels for their actions from ``AppConfig.ready()``::

    from dieuphoi.audit.labels import register_action_labels

    register_action_labels({"tasks.assign": _("Assigned the task")})

An action without a label falls back to a generic label for its verb (the last
word of the action: ``docs.document_create`` -> "create"), then to the raw code.
"""

from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, str] = {}

GENERIC_VERBS = {
    "create": _("Created"),
    "register": _("Registered"),
    "update": _("Updated"),
    "edit": _("Updated"),
    "change": _("Changed"),
    "delete": _("Deleted"),
    "remove": _("Removed"),
    "add": _("Added"),
    "revoke": _("Revoked"),
    "close": _("Closed"),
    "end": _("Ended"),
    "cancel": _("Cancelled"),
    "assign": _("Assigned"),
    "approve": _("Approved"),
    "refuse": _("Refused"),
    "reject": _("Rejected"),
    "submit": _("Submitted"),
    "forward": _("Forwarded"),
    "upload": _("Uploaded"),
    "comment": _("Commented"),
}

ACCOUNT_LABELS = {
    "accounts.token_create": _("Created an API token"),
    "accounts.token_revoke": _("Revoked an API token"),
    "accounts.password_change": _("Changed the password"),
}


def register_action_labels(labels: dict[str, str]) -> None:
    _LABELS.update(labels)


# Labels for keys of ``changes`` that are not fields of the target model
# (e.g. the letter that urged a task), registered like action labels.
_CHANGE_LABELS: dict[str, str] = {}


def register_change_labels(labels: dict[str, str]) -> None:
    _CHANGE_LABELS.update(labels)


def change_label(name: str) -> str | None:
    label = _CHANGE_LABELS.get(name)
    return None if label is None else str(label)


def action_label(action: str) -> str:
    if action in _LABELS:
        return str(_LABELS[action])
    verb = action.rsplit(".", 1)[-1].rsplit("_", 1)[-1]
    if verb in GENERIC_VERBS:
        return str(GENERIC_VERBS[verb])
    return action


register_action_labels(ACCOUNT_LABELS)
