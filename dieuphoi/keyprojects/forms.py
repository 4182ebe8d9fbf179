"""Forms of the key project pages.

The forms check the shape of the input; the services check the rules
(agencies and units valid on the date, the sources adding up, dates against
the project's start) and the views put their errors back on the fields
(``core.forms.add_service_errors``). The pickers reuse the tasks' ones
(``tasks.forms.Choices``), searchable with Tom Select.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField, LimitedCharField
from dieuphoi.core.money import money_text
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import (
    TOM,
    Choices,
    ObjectChoiceField,
    ObjectMultipleChoiceField,
    Select,
    SelectMultiple,
    dated_label,
)

from .models import NOTE_MAX, KeyProject

YES = [("", _("— any —")), ("1", _("Yes"))]
MONEY_HELP = _("In VND, whole numbers; 1.000.000 or 1000000.")
CAPITAL = ("capital_central", "capital_city", "capital_provinces", "capital_other")
# The newest tasks of the body offered as links (plus the linked ones).
TASK_LIMIT = 500


def agency_groups(choices: Choices) -> list:
    """The grouped agency picker (own agencies, other provinces' agencies,
    ministries) without the teams."""
    out = []
    for label, rows in choices.party_choices():
        rows = [(v, text) for v, text in rows if not str(v).startswith("team-")]
        if rows:
            out.append((label, rows))
    return out


def units_on(choices: Choices) -> list[tuple[str, str]]:
    return [
        (str(pk), dated_label(u, u.name))
        for pk, u in choices.units.items()
        if u.is_valid_on(choices.on) or u in choices.extra_parties
    ]


# --- list filters ------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, widget=Select())
    lead_agency = forms.ChoiceField(
        label=_("Lead agency"), required=False, widget=Select(attrs=TOM)
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, widget=Select(attrs=TOM)
    )
    late = forms.ChoiceField(
        label=_("With late milestones"), required=False, choices=YES, widget=Select()
    )

    def __init__(self, *args, choices: Choices, errors: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        anything = [("", _("— any —"))]
        f["state"].choices = anything + list(KeyProject.State.choices)
        f["lead_agency"].choices = lambda: anything + choices.agency_options()
        f["province"].choices = lambda: anything + choices.unit_options()
        self._service_errors = errors or {}

    def full_clean(self):
        # Parsing is ``selectors.parse_filters``; the form shows its errors.
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        for name, message in self._service_errors.items():
            if name in self.fields:
                self._errors[name] = self.error_class([message])


# --- create / edit -----------------------------------------------------------------


class ProjectForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Coordination body"), queryset=Body.objects.none(), empty_label=None
    )
    code = LimitedCharField(
        label=_("Code"),
        max_length=30,
        help_text=_("Unique in the team, e.g. DA-VD4."),
    )
    name = LimitedCharField(label=_("Name"), max_length=500)
    investor = LimitedCharField(label=_("Investor"), required=False, max_length=300)
    state = forms.ChoiceField(
        label=_("State"), choices=KeyProject.State.choices, widget=Select()
    )
    decided_on = DateField(
        label=_("Decision date"),
        help_text=_(
            "The date of the investment decision: agencies and locations are "
            "those of that day."
        ),
    )
    capital_central = forms.CharField(
        label=_("Central budget (VND)"), required=False, max_length=40
    )
    capital_city = forms.CharField(
        label=_("City budget (VND)"), required=False, max_length=40
    )
    capital_provinces = forms.CharField(
        label=_("Provinces' budgets (VND)"), required=False, max_length=40
    )
    capital_other = forms.CharField(
        label=_("Other sources (VND)"), required=False, max_length=40
    )
    total_investment = forms.CharField(
        label=_("Total investment (VND)"),
        required=False,
        max_length=40,
        help_text=_(
            "When sources are given they must add up to it; left empty, it is "
            "their sum."
        ),
    )
    starts_on = DateField(label=_("Start"), required=False)
    ends_on = DateField(label=_("End"), required=False)

    def __init__(
        self,
        *args,
        choices: Choices,
        bodies: list[Body] | None,
        proposals: dict,
        tasks: dict,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        f = self.fields
        if bodies is None:
            del f["body"]
        else:
            f["body"].queryset = Body.objects.filter(
                pk__in=[b.pk for b in bodies]
            ).order_by("name")
            if len(bodies) == 1:
                f["body"].widget = forms.HiddenInput()
        for name in (*CAPITAL, "total_investment"):
            f[name].widget.attrs.update(
                {"inputmode": "numeric", "data-money": "", "autocomplete": "off"}
            )
            if name != "total_investment":
                f[name].help_text = MONEY_HELP
        f["lead_agency"] = ObjectChoiceField(
            label=_("Lead agency"),
            help_text=_("One of the team's own agencies, valid on the decision date."),
            objects=lambda: choices.agencies,
            choices=choices.lead_choices,
            empty_label=_("— choose —"),
            widget=Select(attrs=TOM),
        )
        f["locations"] = ObjectMultipleChoiceField(
            label=_("Locations"),
            required=False,
            help_text=_("The provinces as they were on the decision date."),
            objects=lambda: choices.units,
            choices=lambda: units_on(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        f["proposal"] = ObjectChoiceField(
            label=_("From the proposal"),
            required=False,
            help_text=_("An approved or adopted proposal of the team."),
            objects=lambda: proposals,
            choices=lambda: [(str(pk), p.title) for pk, p in proposals.items()],
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["decision_documents"] = ObjectMultipleChoiceField(
            label=_("Decision documents"),
            required=False,
            help_text=_(
                "From the body's register (the newest are offered; type to search)."
            ),
            objects=lambda: choices.documents,
            choices=choices.document_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        f["tasks"] = ObjectMultipleChoiceField(
            label=_("Linked tasks"),
            required=False,
            help_text=_("Tasks of the team that serve the project."),
            objects=lambda: tasks,
            choices=lambda: [
                (str(pk), f"{t.code} — {t.title[:120]}") for pk, t in tasks.items()
            ],
            widget=SelectMultiple(attrs=TOM),
        )
        self.order_fields(
            [
                "body",
                "code",
                "name",
                "investor",
                "state",
                "decided_on",
                "lead_agency",
                "locations",
                "proposal",
                "decision_documents",
                "tasks",
            ]
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "investor": data["investor"],
            "state": data["state"],
            "decided_on": data["decided_on"],
            "lead_agency": data["lead_agency"],
            "locations": data["locations"],
            "proposal": data["proposal"],
            "decision_documents": data["decision_documents"],
            "tasks": data["tasks"],
            "capital": {name: data[name].strip() for name in CAPITAL},
            "total_investment": data["total_investment"].strip() or None,
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
        }


class ProjectEditForm(ProjectForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, bodies=None, **kwargs)


def edit_initial(project: KeyProject) -> dict:
    return {
        "code": project.code,
        "name": project.name,
        "investor": project.investor,
        "state": project.state,
        "decided_on": project.decided_on,
        "lead_agency": project.lead_agency,
        "locations": list(project.locations.all()),
        "proposal": project.proposal,
        "decision_documents": list(project.decision_documents.all()),
        "tasks": list(project.tasks.all()),
        "capital_central": money_text(project.capital_central),
        "capital_city": money_text(project.capital_city),
        "capital_provinces": money_text(project.capital_provinces),
        "capital_other": money_text(project.capital_other),
        "total_investment": money_text(project.total_investment),
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "version": project.version,
    }


# --- phases and milestones ---------------------------------------------------------


class PhaseForm(forms.Form):
    name = LimitedCharField(label=_("Name of the phase"), max_length=300)


class MilestoneForm(forms.Form):
    name = LimitedCharField(label=_("Milestone"), max_length=300)
    planned_on = DateField(label=_("Planned date"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices: Choices, phases: list, **kwargs):
        super().__init__(*args, **kwargs)
        by_pk = {p.pk: p for p in phases}
        self.fields["responsible_agency"] = ObjectChoiceField(
            label=_("Responsible agency"),
            objects=lambda: choices.agencies,
            choices=lambda: agency_groups(choices),
            empty_label=_("— choose —"),
            widget=Select(attrs=TOM),
        )
        self.fields["phase"] = ObjectChoiceField(
            label=_("Phase"),
            required=False,
            objects=lambda: by_pk,
            choices=lambda: [(str(p.pk), f"{p.order}. {p.name}") for p in phases],
            empty_label=_("— none —"),
            widget=Select(),
        )
        self.order_fields(["name", "planned_on", "responsible_agency", "phase"])


class MilestoneEditForm(MilestoneForm):
    actual_on = DateField(
        label=_("Actual date"),
        required=False,
        help_text=_("Empty while the milestone is not reached."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CompleteForm(forms.Form):
    actual_on = DateField(label=_("Actual date"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
