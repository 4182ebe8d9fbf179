from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .kinds import all_kinds
from .models import EmailMode, KindPreference
from .services import KIND_FIELD

Mode = KindPreference.Mode

# What "Default" means for a kind whose default is not the general setting.
DEFAULT_LABELS = {
    EmailMode.DIGEST: _("default: daily digest"),
    EmailMode.IMMEDIATE: _("default: an e-mail each time"),
}

# The areas of the preferences table, in order, and the kinds of each (a
# kind an app adds without an area here is listed under "Other").
AREAS = [
    ("tasks", _("Tasks")),
    ("extensions", _("Deadline extensions")),
    ("reminders", _("Reminders and urging")),
    ("documents", _("Official documents")),
    ("comments", _("Comments")),
    ("system", _("System")),
    ("other", _("Other")),
]
AREA_OF_KIND = {
    **dict.fromkeys(
        [
            "task_assigned",
            "part_assigned",
            "progress_reported",
            "task_reported_done",
            "task_confirmed",
            "task_returned",
            "task_cancelled",
            "deadline_changed",
            "task_handed_over",
        ],
        "tasks",
    ),
    **dict.fromkeys(
        ["extension_requested", "extension_pending", "extension_decided"],
        "extensions",
    ),
    **dict.fromkeys(
        [
            "before_deadline",
            "on_deadline",
            "urging",
            "escalation",
            "progress_request",
            "part_before_deadline",
            "part_urging",
            "confirmation_pending",
        ],
        "reminders",
    ),
    "comment_mention": "comments",
    "email_failed": "system",
}
AREA_PREFIXES = {"paper_": "documents", "letter_": "documents"}


def kind_area(key: str) -> str:
    if key in AREA_OF_KIND:
        return AREA_OF_KIND[key]
    for prefix, area in AREA_PREFIXES.items():
        if key.startswith(prefix):
            return area
    return "other"


class PreferenceForm(forms.Form):
    """The general e-mail mode and language, then one setting per kind of
    notification (fields ``kind_<key>``, see ``kind_fields``)."""

    email_mode = forms.ChoiceField(
        label=_("E-mail"),
        choices=[("", _("Default for my role")), *EmailMode.choices],
        required=False,
        help_text=_(
            "The default is an e-mail per notification for the leader, deputy "
            "and secretariat, and one daily digest for everyone else."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of notifications and e-mails"),
        choices=[("", _("Default (Vietnamese)")), *settings.LANGUAGES],
        required=False,
    )

    # The page's table (``kind_table``): one column per choice, in this
    # order; "" is the kind's default.
    COLUMNS = [
        ("", _("Default")),
        (Mode.IMMEDIATE, _("E-mail each time")),
        (Mode.DIGEST, _("Daily digest")),
        (Mode.OFF, _("In the app only")),
        (Mode.MUTED, _("Off")),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_names = []
        self.kinds = {}
        for kind in all_kinds():
            name = KIND_FIELD.format(kind.key)
            field = forms.ChoiceField(
                label=kind.label,
                # Every mode validates, so switching off a must-act kind gets
                # the service's clear message rather than "invalid choice".
                choices=[("", _("Default")), *Mode.choices],
                required=False,
                widget=forms.RadioSelect,
            )
            if kind.must_act:
                # It cannot be switched off (no "Off" column); how it is
                # e-mailed stays the person's choice.
                field.widget.choices = [c for c in field.choices if c[0] != Mode.MUTED]
            self.fields[name] = field
            self.kind_names.append(name)
            self.kinds[name] = kind

    def kind_table(self) -> list[dict]:
        """The kinds by area, each ``{"label", "rows"}``; a row is ``{"field",
        "kind", "must_act", "default_label", "cells"}`` with one cell per
        column of ``COLUMNS``: ``{"column", "widget"}`` (``None`` where the
        kind offers no such choice: "off" for a must-act kind)."""
        areas: dict[str, list[dict]] = {}
        for name in self.kind_names:
            kind = self.kinds[name]
            bound = self[name]
            widgets = {w.data["value"]: w for w in bound.subwidgets}
            areas.setdefault(kind_area(kind.key), []).append(
                {
                    "field": bound,
                    "kind": kind,
                    "must_act": kind.must_act,
                    "default_label": DEFAULT_LABELS.get(kind.default_mode, ""),
                    "cells": [
                        {"column": label, "widget": widgets.get(value)}
                        for value, label in self.COLUMNS
                    ],
                }
            )
        return [
            {"key": key, "label": label, "rows": areas[key]}
            for key, label in AREAS
            if key in areas
        ]

    def kind_fields(self):
        return [self[name] for name in self.kind_names]

    def kind_values(self) -> dict[str, str]:
        prefix = KIND_FIELD.format("")
        # Only the kinds the form sent: a client that posts the general
        # settings alone leaves the per-kind ones as they are.
        return {
            name[len(prefix) :]: self.cleaned_data.get(name, "")
            for name in self.kind_names
            if name in self.data
        }
