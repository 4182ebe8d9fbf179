"""Forms of the inspection pages.

The forms check the shape of the input; the services check the rules
(agencies valid on the plan date and the team's own, the period and the
visit in order, an agency of a finding among the inspected ones) and the
views put their errors back on the fields (``core.forms.add_service_errors``).
The pickers reuse the tasks' ones (``tasks.forms.Choices``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField, LimitedCharField, MultipleFileField
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import (
    TOM,
    Choices,
    ObjectChoiceField,
    ObjectMultipleChoiceField,
    Select,
    SelectMultiple,
)

from .models import TEXT_MAX, Finding, Inspection

DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
DATETIME_PLACEHOLDER = "dd/mm/yyyy hh:mm"


class DateTimeInput(forms.DateTimeInput):
    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {"placeholder": DATETIME_PLACEHOLDER, "autocomplete": "off"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y %H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """dd/mm/yyyy hh:mm in Asia/Ho_Chi_Minh (the current time zone)."""

    widget = DateTimeInput
    input_formats = DATETIME_FORMATS
    default_error_messages = {
        "invalid": _("Enter a date and time as dd/mm/yyyy hh:mm."),
    }


# --- list filters ------------------------------------------------------------------


class InspectionFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=Select())
    state = forms.ChoiceField(label=_("State"), required=False, widget=Select())
    agency = forms.ChoiceField(
        label=_("Inspected agency"), required=False, widget=Select(attrs=TOM)
    )
    year = forms.CharField(
        label=_("Year"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2026"}),
    )

    def __init__(self, *args, choices: Choices, errors: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        anything = [("", _("— any —"))]
        f["kind"].choices = anything + list(Inspection.Kind.choices)
        f["state"].choices = anything + list(Inspection.State.choices)
        f["agency"].choices = lambda: anything + choices.agency_options()
        self._service_errors = errors or {}

    def full_clean(self):
        # Parsing is ``selectors.parse_filters``; the form shows its errors.
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        for name, message in self._service_errors.items():
            if name in self.fields:
                self._errors[name] = self.error_class([message])


# --- create / edit -----------------------------------------------------------------


class InspectionForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Coordination body"), queryset=Body.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Inspection.Kind.choices, widget=Select()
    )
    code = LimitedCharField(
        label=_("Code"),
        max_length=30,
        required=False,
        help_text=_("Unique in the team and year; left empty: KT-2026-01 and so on."),
    )
    title = LimitedCharField(label=_("Title"), max_length=500)
    planned_on = DateField(
        label=_("Plan date"),
        help_text=_("The inspected agencies are those of that day."),
    )
    scope = LimitedCharField(
        label=_("Scope"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    period_from = DateField(label=_("Period inspected from"), required=False)
    period_to = DateField(label=_("Period inspected to"), required=False)
    external_members = LimitedCharField(
        label=_("Other members"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("People from outside the system, one per line."),
    )
    visit_from = LocalDateTimeField(label=_("Visit from"), required=False)
    visit_to = LocalDateTimeField(label=_("Visit to"), required=False)
    place = LimitedCharField(label=_("Place"), required=False, max_length=300)

    def __init__(
        self,
        *args,
        choices: Choices,
        bodies: list[Body] | None,
        matters: dict | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        f = self.fields
        matters = matters or {}
        if bodies is None:
            del f["body"]
        else:
            f["body"].queryset = Body.objects.filter(
                pk__in=[b.pk for b in bodies]
            ).order_by("name")
            if len(bodies) == 1:
                f["body"].widget = forms.HiddenInput()
        f["subject_agencies"] = ObjectMultipleChoiceField(
            label=_("Inspected agencies"),
            help_text=_("The team's own agencies, valid on the plan date."),
            objects=lambda: choices.agencies,
            choices=choices.lead_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        f["leader"] = ObjectChoiceField(
            label=_("Team leader"),
            required=False,
            objects=lambda: choices.owners,
            choices=choices.owner_choices,
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["members"] = ObjectMultipleChoiceField(
            label=_("Team members"),
            required=False,
            objects=lambda: choices.owners,
            choices=choices.owner_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        f["plan_document"] = ObjectChoiceField(
            label=_("Plan document"),
            required=False,
            help_text=_("From the body's register (the newest are offered)."),
            objects=lambda: choices.documents,
            choices=choices.document_choices,
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["matters"] = ObjectMultipleChoiceField(
            label=_("Inter-provincial matters"),
            required=False,
            help_text=_("The team's matters this inspection concerns."),
            objects=lambda: matters,
            choices=lambda: [(str(pk), m.title) for pk, m in matters.items()],
            widget=SelectMultiple(attrs=TOM),
        )
        self.order_fields(
            [
                "body",
                "kind",
                "code",
                "title",
                "planned_on",
                "subject_agencies",
                "scope",
                "period_from",
                "period_to",
                "leader",
                "members",
                "external_members",
                "visit_from",
                "visit_to",
                "place",
                "plan_document",
                "matters",
            ]
        )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("body", None)
        data.pop("version", None)
        data["subject_agencies"] = list(data.get("subject_agencies") or [])
        data["members"] = list(data.get("members") or [])
        return data


class InspectionEditForm(InspectionForm):
    version = forms.IntegerField(widget=forms.HiddenInput(), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, bodies=None, **kwargs)


def edit_initial(inspection: Inspection) -> dict:
    return {
        "kind": inspection.kind,
        "code": inspection.code,
        "title": inspection.title,
        "planned_on": inspection.planned_on,
        "subject_agencies": [str(a.pk) for a in inspection.subject_agencies.all()],
        "scope": inspection.scope,
        "period_from": inspection.period_from,
        "period_to": inspection.period_to,
        "leader": str(inspection.leader_id) if inspection.leader_id else "",
        "members": [str(m.pk) for m in inspection.members.all()],
        "external_members": inspection.external_members,
        "visit_from": inspection.visit_from,
        "visit_to": inspection.visit_to,
        "place": inspection.place,
        "plan_document": (
            str(inspection.plan_document_id) if inspection.plan_document_id else ""
        ),
        "matters": [str(m.pk) for m in inspection.matters.all()],
        "version": inspection.version,
    }


# --- findings ----------------------------------------------------------------------


class FindingForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Finding.Severity.choices,
        initial=Finding.Severity.MEDIUM,
        widget=Select(),
    )
    description = LimitedCharField(
        label=_("Finding"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recommendation = LimitedCharField(
        label=_("Recommendation"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What the inspected agency must do: it becomes its follow-up task."
        ),
    )
    deadline = DateField(label=_("Proposed deadline"), required=False)
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, agencies: list, **kwargs):
        super().__init__(*args, **kwargs)
        found = {a.pk: a for a in agencies}
        self.fields["agency"] = ObjectChoiceField(
            label=_("Responsible agency"),
            required=False,
            help_text=_("One of the inspected agencies."),
            objects=lambda: found,
            choices=lambda: [(str(pk), a.name) for pk, a in found.items()],
            empty_label=_("— choose —"),
            widget=Select(),
        )
        self.order_fields(
            ["severity", "description", "recommendation", "agency", "deadline", "files"]
        )
