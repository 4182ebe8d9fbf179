"""Human labels for audit actions.

Apps register labels for their actions from ``AppConfig.ready()``::

    from dieuphoi.audit.labels import register_action_labels

    register_action_labels({"tasks.assign": _("Assigned the task")})

An action without a label falls back to a generic label for its verb (the last
word of the action: ``docs.document_create`` -> "create"), then to the raw code.
"""

from dataclasses import dataclass
from typing import Any

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
    "accounts.user_update": _("Updated the user"),
    "accounts.token_create": _("Created an API token"),
    "accounts.token_revoke": _("Revoked an API token"),
    "accounts.password_change": _("Changed the password"),
    "accounts.user_create": _("Created the user"),
    "accounts.password_set": _("Set the user's password"),
    "accounts.login": _("Signed in"),
    "accounts.login_failed": _("Failed sign-in"),
    "accounts.lockout": _("Locked out after repeated failed sign-ins"),
    "accounts.logout": _("Signed out"),
    "accounts.session_expired": _("Session expired"),
    "accounts.sessions_end": _("Ended the other sessions"),
    "accounts.2fa_enrol": _("Turned on two-step sign-in"),
    "accounts.2fa_verify": _("Passed the two-step sign-in check"),
    "accounts.2fa_fail": _("Failed the two-step sign-in check"),
    "accounts.2fa_recovery_renew": _("Renewed the recovery codes"),
    "accounts.2fa_disable": _("Turned off two-step sign-in"),
    "access.denied": _("Access refused"),
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


# --- how the values of a model's changes are shown -----------------------------
#
# Apps register, for their model, how each key of ``changes`` reads::
#
#     from dieuphoi.audit import labels as audit_labels
#
#     audit_labels.register_field_display(
#         Task,
#         {
#             "state": audit_labels.choice(Task.State),
#             "lead_agency": audit_labels.fk(Agency),
#             "reported_on": audit_labels.date(_("Reported on")),
#             "cooperating": audit_labels.parts(Agency, _("Co-operating agencies")),
#         },
#     )
#
# ``display.prepare_events`` resolves the ids of every ``fk``/``parts`` value of
# a list of events in one query, so a timeline's query count does not grow
# with its length.


@dataclass(frozen=True)
class FieldDisplay:
    """How one key of ``changes`` is labelled and formatted.

    ``kind``: ``text`` (as stored), ``choice`` (``choices``: a Choices class),
    ``fk`` (``model``: ids, or lists of ids, become ``name_field``), ``date``
    (ISO strings become dd/mm/yyyy) or ``parts`` (a list of
    ``{agency, description, deadline}`` dicts).
    """

    label: Any = None
    kind: str = "text"
    choices: Any = None
    model: Any = None
    name_field: str = "name"
    key: str = "agency"
    text_key: str = "description"
    date_key: str = "deadline"


def text(label=None) -> FieldDisplay:
    return FieldDisplay(label=label)


def choice(choices, label=None) -> FieldDisplay:
    return FieldDisplay(label=label, kind="choice", choices=choices)


def fk(model, label=None, *, name_field: str = "name") -> FieldDisplay:
    return FieldDisplay(label=label, kind="fk", model=model, name_field=name_field)


def date(label=None) -> FieldDisplay:
    return FieldDisplay(label=label, kind="date")


def parts(
    model,
    label=None,
    *,
    name_field: str = "name",
    key: str = "agency",
    text_key: str = "description",
    date_key: str = "deadline",
) -> FieldDisplay:
    return FieldDisplay(
        label=label,
        kind="parts",
        model=model,
        name_field=name_field,
        key=key,
        text_key=text_key,
        date_key=date_key,
    )


_FIELD_DISPLAY: dict[type, dict[str, FieldDisplay]] = {}


def register_field_display(model, fields: dict[str, FieldDisplay]) -> None:
    """Register how the changes of ``model``'s audit events read."""
    _FIELD_DISPLAY.setdefault(model, {}).update(fields)


def field_display(model, name: str) -> FieldDisplay | None:
    if model is None:
        return None
    return _FIELD_DISPLAY.get(model, {}).get(name)
