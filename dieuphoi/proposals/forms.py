"""Forms of the proposal pages.

The forms check the shape of the input; the services check the rules
(agencies and units valid on the date, the budget adding up, who may do
what) and their errors are put back on the fields by the views
(``core.forms.add_service_errors``). The pickers reuse the tasks' ones
(``tasks.forms.Choices``: grouped agencies valid on the date, other
provinces' teams, the body's recent documents), searchable with Tom Select.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField, LimitedCharField, MultipleFileField
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
    party_value,
)

from .models import Proposal, RoundComment, RoundParty

YES = [("", _("— any —")), ("1", _("Yes"))]
GENERAL_SECTION = ""

SCOPE_HELP = _(
    "Regional scale or regional linkage (quy mô vùng, tính chất liên kết vùng): "
    "carried out in two or more provinces of the region, or in one while "
    "affecting another. Regional scale needs two provinces or more."
)
BUDGET_HELP = _("In VND, whole numbers; 1.000.000 or 1000000.")


def _agency_groups(choices: Choices) -> list:
    """The grouped agency picker of the tasks (own agencies, other
    provinces' agencies, ministries) without the teams."""
    out = []
    for label, rows in choices.party_choices():
        rows = [(v, text) for v, text in rows if not str(v).startswith("team-")]
        if rows:
            out.append((label, rows))
    return out


def _units_on(choices: Choices) -> list[tuple[str, str]]:
    return [
        (str(pk), dated_label(u, u.name))
        for pk, u in choices.units.items()
        if u.is_valid_on(choices.on) or u in choices.extra_parties
    ]


# --- list filters ------------------------------------------------------------------


class ProposalFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=Select())
    state = forms.ChoiceField(label=_("State"), required=False, widget=Select())
    lead_agency = forms.ChoiceField(
        label=_("Lead agency"), required=False, widget=Select(attrs=TOM)
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, widget=Select(attrs=TOM)
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False, widget=Select())
    open_round = forms.ChoiceField(
        label=_("Consultation open"), required=False, choices=YES, widget=Select()
    )
    overdue_answers = forms.ChoiceField(
        label=_("Answers overdue"), required=False, choices=YES, widget=Select()
    )

    def __init__(self, *args, choices: Choices, errors: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        anything = [("", _("— any —"))]
        f["kind"].choices = anything + list(Proposal.Kind.choices)
        f["state"].choices = anything + list(Proposal.State.choices)
        f["lead_agency"].choices = lambda: anything + choices.agency_options()
        f["province"].choices = lambda: anything + choices.unit_options()
        f["sector"].choices = lambda: anything + choices.sector_options()
        self._service_errors = errors or {}

    def full_clean(self):
        # Parsing is ``selectors.parse_filters``; the form shows its errors.
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        for name, message in self._service_errors.items():
            if name in self.fields:
                self._errors[name] = self.error_class([message])


# --- create / edit -----------------------------------------------------------------


class ProposalForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Coordination body"), queryset=Body.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Proposal.Kind.choices)
    title = LimitedCharField(label=pgettext_lazy("proposal", "Title"), max_length=500)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=Proposal.Scope.choices,
        widget=forms.RadioSelect,
        help_text=SCOPE_HELP,
    )
    proposed_on = DateField(label=_("Date proposed"))
    beyond_city = forms.BooleanField(
        label=_("Beyond the city's competence"),
        required=False,
        help_text=_("Then it is forwarded to the Capital Region Coordination Council."),
    )
    budget_central = forms.CharField(
        label=_("Central budget (VND)"), required=False, max_length=40
    )
    budget_city = forms.CharField(
        label=_("City budget (VND)"), required=False, max_length=40
    )
    budget_provinces = forms.CharField(
        label=_("Provinces' budgets (VND)"), required=False, max_length=40
    )
    budget_other = forms.CharField(
        label=_("ODA and other sources (VND)"), required=False, max_length=40
    )
    budget_total = forms.CharField(
        label=_("Total (VND)"),
        required=False,
        max_length=40,
        help_text=_("Optional: when given, the sources must add up to it."),
    )
    starts_on = DateField(label=_("Expected start"), required=False)
    ends_on = DateField(label=_("Expected end"), required=False)

    BUDGET = (
        "budget_central",
        "budget_city",
        "budget_provinces",
        "budget_other",
        "budget_total",
    )

    def __init__(self, *args, choices: Choices, bodies: list[Body] | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        f = self.fields
        if bodies is None:
            del f["body"]
        else:
            f["body"].queryset = Body.objects.filter(
                pk__in=[b.pk for b in bodies]
            ).order_by("name")
            if len(bodies) == 1:
                f["body"].widget = forms.HiddenInput()
        for name in self.BUDGET:
            f[name].widget.attrs.update(
                {"inputmode": "numeric", "data-money": "", "autocomplete": "off"}
            )
            if name != "budget_total":
                f[name].help_text = BUDGET_HELP
        f["lead_agency"] = ObjectChoiceField(
            label=_("Lead agency"),
            help_text=_("One of the team's own agencies, valid on the date proposed."),
            objects=lambda: choices.agencies,
            choices=choices.lead_choices,
            empty_label=_("— choose —"),
            widget=Select(attrs=TOM),
        )
        f["cooperating_agencies"] = ObjectMultipleChoiceField(
            label=_("Co-operating agencies"),
            required=False,
            objects=lambda: choices.agencies,
            choices=lambda: _agency_groups(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        f["provinces"] = ObjectMultipleChoiceField(
            label=_("Provinces concerned"),
            required=False,
            help_text=_("The provinces as they were on the date proposed."),
            objects=lambda: choices.units,
            choices=lambda: _units_on(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        f["sectors"] = ObjectMultipleChoiceField(
            label=_("Sectors"),
            required=False,
            objects=lambda: choices.sectors,
            choices=choices.sector_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        f["basis_documents"] = ObjectMultipleChoiceField(
            label=_("Basis documents"),
            required=False,
            help_text=_(
                "From the body's register (the newest are offered; type to search)."
            ),
            objects=lambda: choices.documents,
            choices=choices.document_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        self.order_fields(
            [
                "body",
                "kind",
                "title",
                "summary",
                "scope",
                "proposed_on",
                "lead_agency",
                "cooperating_agencies",
                "provinces",
                "sectors",
                "basis_documents",
            ]
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "summary": data["summary"],
            "scope": data["scope"],
            "proposed_on": data["proposed_on"],
            "lead_agency": data["lead_agency"],
            "cooperating_agencies": data["cooperating_agencies"],
            "provinces": data["provinces"],
            "sectors": data["sectors"],
            "basis_documents": data["basis_documents"],
            "budget": {
                name: data[name].strip()
                for name in self.BUDGET
                if name != "budget_total"
            },
            "budget_total": data["budget_total"].strip() or None,
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "beyond_city": data["beyond_city"],
        }


class ProposalEditForm(ProposalForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, bodies=None, **kwargs)


def edit_initial(proposal: Proposal) -> dict:
    return {
        "kind": proposal.kind,
        "title": proposal.title,
        "summary": proposal.summary,
        "scope": proposal.scope,
        "proposed_on": proposal.proposed_on,
        "beyond_city": proposal.beyond_city,
        "lead_agency": proposal.lead_agency,
        "cooperating_agencies": list(proposal.cooperating_agencies.all()),
        "provinces": list(proposal.provinces.all()),
        "sectors": list(proposal.sectors.all()),
        "basis_documents": list(proposal.basis_documents.all()),
        "budget_central": money_text(proposal.budget_central),
        "budget_city": money_text(proposal.budget_city),
        "budget_provinces": money_text(proposal.budget_provinces),
        "budget_other": money_text(proposal.budget_other),
        "budget_total": money_text(proposal.budget_total),
        "starts_on": proposal.starts_on,
        "ends_on": proposal.ends_on,
        "version": proposal.version,
    }


# --- drafts ------------------------------------------------------------------------


class DraftForm(forms.Form):
    file = forms.FileField(
        label=_("Draft file"),
        help_text=_("Word (.docx) or PDF. Earlier drafts are kept."),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


# --- transitions -------------------------------------------------------------------


class ActionForm(forms.Form):
    """A workflow action; a decision carries the document (from the body's
    register) that records it."""

    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        needs_document: bool = False,
        choices: Choices | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if needs_document and choices is not None:
            self.fields["document"] = ObjectChoiceField(
                label=_("Document of the decision"),
                help_text=_(
                    "From the body's register: register the decision first if it "
                    "is not there."
                ),
                objects=lambda: choices.documents,
                choices=choices.document_choices,
                empty_label=_("— choose —"),
                widget=Select(attrs=TOM),
            )


# --- rounds ------------------------------------------------------------------------


class PartyMultipleChoiceField(forms.MultipleChoiceField):
    """Parties asked: agencies (``"<id>"``) and other provinces' teams
    (``"team-<id>"``), cleaned to the objects."""

    widget = SelectMultiple

    def __init__(self, *, objects, choices, **kwargs):
        self._objects = objects
        super().__init__(choices=choices, **kwargs)

    def to_python(self, value):
        out = []
        found = self._objects()
        for item in super().to_python(value):
            obj = found.get(str(item))
            if obj is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
            out.append(obj)
        return out

    def validate(self, value):
        if not value and self.required:
            raise forms.ValidationError(self.error_messages["required"], "required")

    def prepare_value(self, value):
        if value is None:
            return []
        return [v if isinstance(v, str | int) else party_value(v) for v in value]


class RoundForm(forms.Form):
    draft = forms.ChoiceField(label=_("Draft asked about"))
    working_days = forms.IntegerField(
        label=_("Working days to answer"),
        min_value=1,
        max_value=60,
        initial=10,
        help_text=_("Counted from today on the working-day calendar."),
    )
    questions = forms.CharField(
        label=_("Questions"),
        required=False,
        max_length=10_000,
        help_text=_("Optional: the points to focus on, one per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, drafts: list, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        by_pk = {d.pk: d for d in drafts}
        self.fields["draft"] = ObjectChoiceField(
            label=_("Draft asked about"),
            objects=lambda: by_pk,
            choices=lambda: [
                (
                    str(d.pk),
                    gettext("Draft %(n)d — %(name)s")
                    % {"n": d.number, "name": d.attachment.original_name},
                )
                for d in drafts
            ],
        )
        self.fields["parties"] = PartyMultipleChoiceField(
            label=_("Parties asked"),
            help_text=_(
                "Hanoi agencies, ministries, other provinces' teams and agencies, "
                "as they are today."
            ),
            objects=lambda: choices.parties,
            choices=choices.party_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        self.order_fields(["draft", "parties", "working_days", "questions"])


# --- answers -----------------------------------------------------------------------

ANSWER_CHOICES = [
    (RoundParty.Answer.AGREE, RoundParty.Answer.AGREE.label),
    (RoundParty.Answer.AGREE_COMMENTS, RoundParty.Answer.AGREE_COMMENTS.label),
    (RoundParty.Answer.DISAGREE, RoundParty.Answer.DISAGREE.label),
]


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"), choices=ANSWER_CHOICES, widget=forms.RadioSelect
    )
    files = MultipleFileField(
        label=_("Attached files"),
        required=False,
        help_text=_("Optional: the signed reply, an annex (PDF, Word, Excel)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CommentRowForm(forms.Form):
    section = forms.ChoiceField(label=_("Section of the draft"), required=False)
    text = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, sections: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [
            (GENERAL_SECTION, _("General comment (Ý kiến chung)")),
            *[(s, s) for s in sections],
        ]


class BaseCommentRows(forms.BaseFormSet):
    def __init__(self, *args, sections: list[str] = (), **kwargs):
        self.sections = list(sections)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"sections": self.sections}

    def rows(self) -> list[tuple[str, str]]:
        return [
            (f.cleaned_data.get("section") or "", f.cleaned_data.get("text") or "")
            for f in self.forms
            if f.cleaned_data.get("text", "").strip()
        ]


CommentRows = forms.formset_factory(
    CommentRowForm, formset=BaseCommentRows, extra=3, max_num=500, absolute_max=500
)
COMMENTS_PREFIX = "comments"


# --- synthesis ---------------------------------------------------------------------


class ResponseForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Response"),
        choices=[("", _("— choose —")), *RoundComment.Response.choices],
        required=False,
    )
    response_text = forms.CharField(
        label=_("Response text"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def parse_day(value) -> datetime.date | None:
    from dieuphoi.core.params import parse_date_or_none

    return parse_date_or_none(value or "")


class ProposalTaskForm(forms.Form):
    """A task carrying out an adopted proposal: the proposal's lead and
    co-operating agencies are offered first; the deadline is the task's."""

    title = LimitedCharField(label=pgettext_lazy("task", "Title"), max_length=500)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = DateField(label=_("Deadline"), required=False)
    is_key = forms.BooleanField(label=_("Key task"), required=False)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["lead_agency"] = ObjectChoiceField(
            label=_("Lead agency"),
            objects=lambda: choices.agencies,
            choices=choices.lead_choices,
            empty_label=_("— choose —"),
            widget=Select(attrs=TOM),
        )
        f["cooperating_agencies"] = ObjectMultipleChoiceField(
            label=_("Co-operating agencies"),
            required=False,
            objects=lambda: choices.agencies,
            choices=lambda: _agency_groups(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        self.order_fields(
            ["title", "lead_agency", "cooperating_agencies", "deadline", "description"]
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "lead_agency": data["lead_agency"],
            "cooperating": [
                {"agency": a, "description": "", "deadline": None}
                for a in data["cooperating_agencies"]
            ],
            "deadline": data["deadline"],
            "description": data["description"],
            "is_key": data["is_key"],
        }
