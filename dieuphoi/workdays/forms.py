from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField

from .models import CalendarDay


class CalendarDayForm(forms.Form):
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
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=255,
        required=False,
        help_text=_("The announcement, e.g. Thông báo số 6150/TB-BNV."),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
