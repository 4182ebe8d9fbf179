"""Forms of the letters pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField
from dieuphoi.org.models import Agency

from .models import UrgingLetter
from .selectors import LetterFilters


class LetterFilterForm(forms.Form):
    """The filters of ``letters:list``, read from the URL (GET)."""

    agency = forms.TypedChoiceField(
        label=_("Addressee agency"), required=False, coerce=int, empty_value=None
    )
    on_from = DateField(label=_("Date from"), required=False)
    on_to = DateField(label=_("Date to"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, data, *, agencies: list[Agency]):
        super().__init__(data)
        self.fields["agency"].choices = [
            ("", _("All agencies")),
            *((agency.pk, agency.name) for agency in agencies),
        ]
        self.fields["state"].choices = [
            ("", _("All states")),
            *UrgingLetter.Status.choices,
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("on_from"), data.get("on_to")
        if start and end and start > end:
            self.add_error("on_to", _("The end of the range is before its start."))
        return data

    def filters(self) -> LetterFilters:
        """The filters; call after ``is_valid()`` returned True."""
        data = self.cleaned_data
        return LetterFilters(
            agency=data.get("agency"),
            on_from=data.get("on_from"),
            on_to=data.get("on_to"),
            state=data.get("state") or None,
        )
