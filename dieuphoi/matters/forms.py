"""Forms of the matter pages. The forms check the shape of the input; the
services check the rules (units and agencies valid on the date, parties
concerned) and the views put their errors back on the fields."""

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
    dated_label,
)

from .models import TEXT_MAX, LogEntry, Matter

YES = [("", _("— any —")), ("1", _("Yes"))]


def _agencies_on(choices: Choices):
    return [
        (str(pk), dated_label(a, a.name))
        for pk, a in choices.agencies.items()
        if a.is_valid_on(choices.on) or a in choices.extra_parties
    ]


def _units_on(choices: Choices):
    return [
        (str(pk), dated_label(u, u.name))
        for pk, u in choices.units.items()
        if u.is_valid_on(choices.on) or u in choices.extra_parties
    ]


def _bodies(choices: Choices) -> dict:
    found = dict(choices.teams)
    for b in choices.bodies:
        found[b.pk] = b
    for b in Body.objects.exclude(kind=Body.Kind.TEAM).order_by("name"):
        found[b.pk] = b
    return found


def _bodies_on(choices: Choices):
    return [
        (str(pk), dated_label(b, b.name))
        for pk, b in _bodies_cached(choices).items()
        if b.is_valid_on(choices.on) or b in choices.extra_parties
    ]


def _bodies_cached(choices: Choices) -> dict:
    cached = getattr(choices, "_matter_bodies", None)
    if cached is None:
        cached = _bodies(choices)
        choices._matter_bodies = cached
    return cached


class MatterFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    province = forms.ChoiceField(
        label=_("Province"), required=False, widget=Select(attrs=TOM)
    )
    state = forms.ChoiceField(label=_("State"), required=False, widget=Select())
    competence = forms.ChoiceField(
        label=_("Competence"), required=False, widget=Select()
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False, widget=Select())
    stale = forms.ChoiceField(
        label=_("Stale"), required=False, choices=YES, widget=Select()
    )

    def __init__(self, *args, choices: Choices, errors: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        anything = [("", _("— any —"))]
        f["state"].choices = anything + list(Matter.State.choices)
        f["competence"].choices = anything + list(Matter.Competence.choices)
        f["province"].choices = lambda: anything + choices.unit_options()
        f["sector"].choices = lambda: anything + choices.sector_options()
        self._service_errors = errors or {}

    def full_clean(self):
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        for name, message in self._service_errors.items():
            if name in self.fields:
                self._errors[name] = self.error_class([message])


class MatterForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Coordination body"), queryset=Body.objects.none(), empty_label=None
    )
    code = LimitedCharField(
        label=_("Code"),
        max_length=30,
        required=False,
        help_text=_("Left empty: the next number of the year, e.g. VD-2026-001."),
    )
    title = LimitedCharField(label=_("Title"), max_length=500)
    description = LimitedCharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    raised_on = DateField(
        label=_("Raised on"),
        help_text=_("Provinces and agencies are those of that day."),
    )
    competence = forms.ChoiceField(
        label=_("Competence"), choices=Matter.Competence.choices, widget=Select()
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Matter.Priority.choices, widget=Select()
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices: Choices, bodies: list[Body] | None, **kwargs):
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
        f["provinces"] = ObjectMultipleChoiceField(
            label=_("Provinces concerned"),
            help_text=_("As they were on the date the matter was raised."),
            objects=lambda: choices.units,
            choices=lambda: _units_on(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        f["agencies"] = ObjectMultipleChoiceField(
            label=_("Ministries and agencies involved"),
            required=False,
            objects=lambda: choices.agencies,
            choices=lambda: _agencies_on(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        f["raised_by_body"] = ObjectChoiceField(
            label=_("Raised by (coordination body)"),
            required=False,
            objects=lambda: _bodies_cached(choices),
            choices=lambda: _bodies_on(choices),
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["raised_by_agency"] = ObjectChoiceField(
            label=_("Raised by (agency)"),
            required=False,
            help_text=_("A body or an agency, at least one."),
            objects=lambda: choices.agencies,
            choices=lambda: _agencies_on(choices),
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["sector"] = ObjectChoiceField(
            label=_("Sector"),
            required=False,
            objects=lambda: choices.sectors,
            choices=choices.sector_choices,
            empty_label=_("— none —"),
            widget=Select(),
        )
        f["owner"] = ObjectChoiceField(
            label=_("Followed by"),
            required=False,
            help_text=_("The specialist who follows the matter (reminded when stale)."),
            objects=lambda: choices.owners,
            choices=choices.owner_choices,
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        self.order_fields(
            [
                "body",
                "code",
                "title",
                "description",
                "raised_on",
                "provinces",
                "agencies",
                "raised_by_body",
                "raised_by_agency",
                "sector",
                "competence",
                "priority",
                "owner",
            ]
        )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("body", None)
        data.pop("version", None)
        return data


def edit_initial(matter: Matter) -> dict:
    return {
        "code": matter.code,
        "title": matter.title,
        "description": matter.description,
        "raised_on": matter.raised_on,
        "competence": matter.competence,
        "priority": matter.priority,
        "provinces": [str(u.pk) for u in matter.provinces.all()],
        "agencies": [str(a.pk) for a in matter.agencies.all()],
        "raised_by_body": matter.raised_by_body_id,
        "raised_by_agency": matter.raised_by_agency_id,
        "sector": matter.sector_id,
        "owner": matter.owner_id,
        "version": matter.version,
    }


class LogForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=LogEntry.Kind.choices, widget=Select()
    )
    occurred_on = DateField(label=_("Date"))
    summary = LimitedCharField(
        label=_("What happened"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args, choices: Choices, documents: bool, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["agencies"] = ObjectMultipleChoiceField(
            label=_("Agencies"),
            required=False,
            objects=lambda: choices.agencies,
            choices=lambda: _agencies_on(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        f["bodies"] = ObjectMultipleChoiceField(
            label=_("Coordination bodies"),
            required=False,
            objects=lambda: _bodies_cached(choices),
            choices=lambda: _bodies_on(choices),
            widget=SelectMultiple(attrs=TOM),
        )
        if documents:
            f["document"] = ObjectChoiceField(
                label=_("Document of the register"),
                required=False,
                help_text=_("The letter sent or received, from the team's register."),
                objects=lambda: choices.documents,
                choices=choices.document_choices,
                empty_label=_("— none —"),
                widget=Select(attrs=TOM),
            )
        self.order_fields(
            [
                "kind",
                "occurred_on",
                "summary",
                "agencies",
                "bodies",
                "document",
                "files",
            ]
        )


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    resolution = LimitedCharField(
        label=_("Resolution"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = LimitedCharField(
        label=_("Reason"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices: Choices | None = None, **kwargs):
        """``choices`` (the body's register) adds the resolution document
        picker: the resolve form only."""
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["document"] = ObjectChoiceField(
                label=_("Resolution document"),
                required=False,
                help_text=_(
                    "From the body's register (the newest are offered; type to "
                    "search), e.g. the conclusion notice."
                ),
                objects=lambda: choices.documents,
                choices=choices.document_choices,
                empty_label=_("— none —"),
                widget=Select(attrs=TOM),
            )
