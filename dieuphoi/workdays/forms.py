from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField

from .models import CalendarDay


class CalendarDayForm(forms.Form):
    """Add a day, or amend one (a derived day or an existing row): with a
    document number and date the day is "announced", without them it is
    "confirmed" by the administrator."""

    date = DateField(label=_("Date"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=CalendarDay.Kind.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=255,
        required=False,
        help_text=_("For example: compensatory day off for National Day."),
    )
    basis_number = forms.CharField(
        label=_("Document number"),
        max_length=80,
        required=False,
        help_text=_("The announcing document, e.g. 9441/TB-BNV."),
    )
    basis_date = DateField(label=_("Document date"), required=False)
    basis_issuer = forms.CharField(
        label=_("Issued by"),
        max_length=255,
        required=False,
        help_text=_("For example: Bộ Nội vụ; Văn phòng Chính phủ."),
    )
    basis_url = forms.URLField(
        label=_("Source address"), max_length=500, required=False, assume_scheme="https"
    )
    legal_basis = forms.CharField(
        label=_("Further detail"),
        max_length=255,
        required=False,
        help_text=_("E.g. the decision the announcement implements."),
    )


class ConfirmForm(forms.Form):
    date = DateField(label=_("Date"))


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)


class RangeForm(forms.Form):
    """``?from=&to=`` of the days-off endpoint (yyyy-mm-dd or dd/mm/yyyy)."""

    from_ = DateField(label=_("From"))
    to = DateField(label=_("To"))

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"from_": data.get("from", ""), "to": data.get("to", "")}
        super().__init__(data, **kwargs)

    def clean(self):
        from .selectors import MAX_RANGE_DAYS

        cleaned = super().clean()
        start, end = cleaned.get("from_"), cleaned.get("to")
        if start and end:
            if end < start:
                self.add_error("to", _("The end of the range is before its start."))
            elif (end - start).days >= MAX_RANGE_DAYS:
                self.add_error(
                    "to",
                    _("Ask for at most %(days)s days at once.")
                    % {"days": MAX_RANGE_DAYS},
                )
        return cleaned
