"""Forms of the report pages (the contribution forms: ``contribution_forms``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateInput
from dieuphoi.paperwork.forms import VersionField

from . import periods
from .models import Report


class ReportFilterForm(forms.Form):
    period_type = forms.ChoiceField(label=_("Period type"), required=False)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=2000, max_value=2100
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *Report.State.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_type"].choices = [
            ("", _("All period types")),
            *[(t, label) for t, label in periods.PeriodType.choices
              if t in periods.enabled_types()],
        ]  # fmt: skip


class ReportCreateForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Coordination body"), queryset=None)
    period_type = forms.ChoiceField(label=_("Period type"))
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=2000, max_value=2100,
        help_text=_("The year the period ends in (the year of its cut-off date)."),
    )  # fmt: skip
    number = forms.IntegerField(
        label=_("Month, quarter or half"), required=False, min_value=1, max_value=12,
        help_text=_("Month 1 to 12, quarter 1 to 4 or half 1 or 2; leave empty for the year "
                    "and nine months."),
    )  # fmt: skip
    start = forms.DateField(
        label=_("From (ad hoc)"), required=False, widget=DateInput()
    )
    end = forms.DateField(label=_("To (ad hoc)"), required=False, widget=DateInput())
    deadline = forms.DateField(
        label=_("Submission deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for the usual working days after the cut-off."),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=300,
        help_text=_("Leave empty for the usual title."),
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        from dieuphoi.org.models import Body

        self.fields["body"].queryset = Body.objects.filter(
            pk__in=[b.pk for b in bodies]
        )
        if len(bodies) == 1:
            self.fields["body"].initial = bodies[0].pk
        self.fields["period_type"].choices = [
            (t, label)
            for t, label in periods.PeriodType.choices
            if t in periods.enabled_types()
        ]


class ReportTextForm(forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Title"), max_length=300)
    difficulties = forms.CharField(
        label=_("Difficulties and obstacles"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    recommendations = forms.CharField(
        label=_("Recommendations and proposals"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
