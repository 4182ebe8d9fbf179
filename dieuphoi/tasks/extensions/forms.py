"""Forms of the extension requests (shape only; ``services`` checks the
rules and its errors are put back on these fields by the views)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField

from ..models import ExtensionRequest
from .services import DECISIONS, REASON_MAX


class ExtensionRequestForm(forms.Form):
    requested_deadline = DateField(label=_("New deadline requested"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(
        label=_("Supporting file"),
        required=False,
        help_text=_("Optional: a letter or report explaining the delay."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_extension_%s")
        super().__init__(*args, **kwargs)


class ExtensionDecisionForm(forms.Form):
    """One decision (``approve``, ``approve_other_date``, ``refuse``) on one
    request; ``auto_id`` differs per request and decision so several forms
    can be on one page."""

    decision = forms.ChoiceField(
        choices=[(k, k) for k in DECISIONS], widget=forms.HiddenInput
    )
    deadline = DateField(label=_("Approved deadline"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    REASON_LABELS = {
        "approve": _("Note (optional)"),
        "approve_other_date": _("Why this date (optional)"),
        "refuse": _("Reason for refusing"),
    }

    def __init__(self, *args, decision: str = "", extension_id: int = 0, **kwargs):
        kwargs.setdefault("auto_id", f"id_ext{extension_id}_{decision}_%s")
        super().__init__(*args, **kwargs)
        if decision in self.REASON_LABELS:
            self.fields["reason"].label = self.REASON_LABELS[decision]
        if decision == "refuse":
            self.fields["reason"].required = True
        if decision == "approve_other_date":
            self.fields["deadline"].required = True


class PartExtensionRequestForm(forms.Form):
    """A co-operating party's request to move its own sub-deadline."""

    part = forms.TypedChoiceField(label=_("Your part"), coerce=int)
    requested_deadline = DateField(label=_("New sub-deadline requested"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=_("Supporting file"), required=False)

    def __init__(self, *args, parts=(), **kwargs):
        kwargs.setdefault("auto_id", "id_part_extension_%s")
        super().__init__(*args, **kwargs)
        parts = list(parts)
        self.fields["part"].choices = [
            (
                p.pk,
                f"{p.party_name} ({p.deadline:%d/%m/%Y})"
                if p.deadline
                else p.party_name,
            )
            for p in parts
        ]
        if len(parts) == 1:
            self.fields["part"].initial = parts[0].pk
            self.fields["part"].widget = forms.HiddenInput()


class ExtensionFilterForm(forms.Form):
    """The filters of ``tasks:extension-list``, read from the URL (GET)."""

    state = forms.ChoiceField(label=_("State"), required=False)
    agency = forms.TypedChoiceField(
        label=_("Requesting agency"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, agencies):
        super().__init__(data, auto_id="id_extension_filter_%s")
        self.fields["state"].choices = [
            ("", _("All states")),
            *ExtensionRequest.State.choices,
        ]
        self.fields["agency"].choices = [
            ("", _("All agencies")),
            *((agency.pk, agency.name) for agency in agencies),
        ]
