"""Forms of the activity pages: dates typed dd/mm/yyyy and times HH:MM in
Asia/Ho_Chi_Minh; the services do the checking."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body

from .models import Activity, Invitee
from .services import LOCAL, local


def team_bodies(on=None):
    return (
        Body.objects.as_of(on or local_today())
        .filter(kind=Body.Kind.TEAM)
        .order_by("name")
    )


def agencies(on=None):
    return Agency.objects.as_of(on or local_today()).order_by("name")


def seated_people(on=None):
    """Active people with a seat in a coordination body on the day."""
    from django.contrib.auth import get_user_model

    from dieuphoi.org.models import Membership

    seated = Membership.objects.as_of(on or local_today()).values("person_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=seated)
        .order_by("full_name", "username")
    )


class PersonLabelMixin:
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} ({obj.get_username()})"


class PersonChoiceField(PersonLabelMixin, forms.ModelChoiceField):
    pass


class PersonMultipleChoiceField(PersonLabelMixin, forms.ModelMultipleChoiceField):
    pass


class TimeInput(forms.TimeInput):
    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"placeholder": "HH:MM", "inputmode": "numeric", "autocomplete": "off",
                   "pattern": r"\d{1,2}:\d{2}", **(attrs or {})},
            format="%H:%M",
        )  # fmt: skip


class ActivityForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=_("Host body"))
    kind = forms.ChoiceField(choices=Activity.Kind.choices, label=_("Kind"))
    title = forms.CharField(max_length=500, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    start_date = DateField(label=_("Date"))
    start_time = forms.TimeField(widget=TimeInput, label=_("From"))
    end_date = DateField(required=False, label=_("End date"),
                         help_text=_("Leave empty when it ends the same day."))  # fmt: skip
    end_time = forms.TimeField(widget=TimeInput, label=_("To"))
    place = forms.CharField(max_length=300, required=False, label=_("Place"))
    online_link = forms.CharField(
        max_length=500, required=False, label=_("Online link")
    )
    response_deadline = DateField(
        required=False,
        label=_("Answer by"),
        help_text=_("Left empty: two working days before the start."),
    )
    invited_bodies = forms.ModelMultipleChoiceField(
        queryset=Body.objects.none(),
        required=False,
        label=_("Invited coordination teams"),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
    )
    invited_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label=_("Invited agencies"),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
    )
    invited_persons = PersonMultipleChoiceField(
        queryset=Body.objects.none(),
        required=False,
        label=_("Invited persons"),
        help_text=_("People with a seat in a coordination body."),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
    )
    agenda = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Agenda"),
        help_text=_(
            "One item a line; the presenter after a “|”, e.g. Báo cáo tình hình | Sở Xây dựng."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bodies=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Body.objects.filter(
            pk__in=[b.pk for b in bodies]
        )
        if len(bodies) == 1 or editing:
            self.fields["body"].required = False
            self.fields["body"].widget = forms.HiddenInput()
        self.fields["invited_bodies"].queryset = team_bodies()
        self.fields["invited_agencies"].queryset = agencies()
        self.fields["invited_persons"].queryset = seated_people()
        if editing:
            # The agenda is kept and edited item by item on the activity's
            # page (its documents hang on each item).
            del self.fields["agenda"]

    def times(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        data = self.cleaned_data
        day, start, end = (
            data.get("start_date"),
            data.get("start_time"),
            data.get("end_time"),
        )
        if not (day and start and end):
            return None, None
        end_day = data.get("end_date") or day
        return (
            datetime.datetime.combine(day, start, LOCAL),
            datetime.datetime.combine(end_day, end, LOCAL),
        )

    def agenda_items(self) -> list[dict]:
        items = []
        for line in (self.cleaned_data.get("agenda") or "").splitlines():
            title, _sep, presenter = line.partition("|")
            if title.strip():
                items.append({"title": title.strip(), "presenter": presenter.strip()})
        return items

    def invitees(self) -> list:
        return [
            *self.cleaned_data.get("invited_bodies", []),
            *self.cleaned_data.get("invited_agencies", []),
            *({"person": p} for p in self.cleaned_data.get("invited_persons", [])),
        ]


def edit_initial(activity: Activity) -> dict:
    start, end = local(activity.starts_at), local(activity.ends_at)
    invitees = list(activity.invitees.all())
    return {
        "body": activity.body_id,
        "kind": activity.kind,
        "title": activity.title,
        "description": activity.description,
        "start_date": start.date(),
        "start_time": start.time(),
        "end_date": end.date() if end.date() != start.date() else None,
        "end_time": end.time(),
        "place": activity.place,
        "online_link": activity.online_link,
        "response_deadline": activity.response_deadline,
        "invited_bodies": [i.body_id for i in invitees if i.body_id],
        "invited_agencies": [i.agency_id for i in invitees if i.agency_id],
        "invited_persons": [i.person_id for i in invitees if i.person_id],
        "version": activity.version,
    }


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason for cancelling")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResponseForm(forms.Form):
    invitee = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.ChoiceField(
        choices=[
            c for c in Invitee.Response.choices if c[0] != Invitee.Response.PENDING
        ],
        widget=forms.RadioSelect,
        label=_("Your answer"),
    )
    delegate_name = forms.CharField(
        max_length=200, required=False, label=_("Who will attend")
    )
    delegate_position = forms.CharField(
        max_length=200, required=False, label=_("Their position")
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Reason for declining"),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), required=False, label=_("Minutes")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ConclusionForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Conclusion")
    )
    lead_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label=_("Proposed lead agency"),
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )  # fmt: skip
    cooperating_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), required=False, label=_("Co-operating agencies"),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
    )  # fmt: skip
    cooperating_bodies = forms.ModelMultipleChoiceField(
        queryset=Body.objects.none(), required=False, label=_("Other provinces' teams"),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
    )  # fmt: skip
    deadline = DateField(required=False, label=_("Proposed deadline"))

    def __init__(self, *args, host=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = agencies()
        self.fields["cooperating_agencies"].queryset = agencies()
        teams = team_bodies()
        if host is not None:
            teams = teams.exclude(pk=host.pk)
        self.fields["cooperating_bodies"].queryset = teams


class ConvertForm(ConclusionForm):
    """One task from a conclusion, pre-filled with what it proposes."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Task")
        self.fields["lead_agency"].required = True
        self.fields["lead_agency"].label = _("Lead agency")
        self.fields["deadline"].label = _("Deadline")


def convert_initial(conclusion) -> dict:
    return {
        "text": conclusion.text[:500],
        "lead_agency": conclusion.lead_agency_id,
        "cooperating_agencies": [a.pk for a in conclusion.cooperating_agencies.all()],
        "cooperating_bodies": [b.pk for b in conclusion.cooperating_bodies.all()],
        "deadline": conclusion.deadline,
        "version": conclusion.version,
    }


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", _("All kinds")), *Activity.Kind.choices],
        required=False,
        label=_("Kind"),
    )
    state = forms.ChoiceField(
        choices=[("", _("All states")), *Activity.State.choices],
        required=False,
        label=_("State"),
    )
    body = forms.ModelChoiceField(
        queryset=Body.objects.none(),
        required=False,
        label=_("Host body"),
        empty_label=_("All bodies"),
    )
    when = forms.ChoiceField(
        choices=[("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))],
        required=False,
        label=_("When"),
    )
    date_from = DateField(required=False, label=_("From"))
    date_to = DateField(required=False, label=_("To"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Body.objects.exclude(
            kind=Body.Kind.COUNCIL
        ).order_by("name")


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=500, label=_("Agenda item"))
    presenter = forms.CharField(max_length=300, required=False, label=_("Presenter"))


class InviteeAddForm(forms.Form):
    """One more invitee: a body, an agency or a person (exactly one)."""

    body = forms.ModelChoiceField(
        queryset=Body.objects.none(), required=False, label=_("Coordination team"),
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )  # fmt: skip
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label=_("Agency"),
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )  # fmt: skip
    person = PersonChoiceField(
        queryset=Body.objects.none(), required=False, label=_("Person"),
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )  # fmt: skip

    def __init__(self, *args, on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = team_bodies(on)
        self.fields["agency"].queryset = agencies(on)
        self.fields["person"].queryset = seated_people(on)

    def clean(self):
        data = super().clean()
        chosen = [n for n in ("body", "agency", "person") if data.get(n)]
        if len(chosen) != 1:
            raise forms.ValidationError(
                _("Choose one: a coordination team, an agency or a person.")
            )
        return data

    def party(self):
        data = self.cleaned_data
        return data.get("body") or data.get("agency") or {"person": data["person"]}


class InviteeRemoveForm(forms.Form):
    confirm = forms.BooleanField(
        required=False, label=_("Yes, remove them although they answered")
    )


class MatterLinkForm(forms.Form):
    matters = forms.ModelMultipleChoiceField(
        queryset=Body.objects.none(), label=_("Matters"),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
    )  # fmt: skip

    def __init__(self, *args, user=None, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        from dieuphoi.matters import permissions as matter_perms
        from dieuphoi.matters.models import Matter

        self.fields["matters"].queryset = (
            matter_perms.visible(user, Matter.objects.all())
            .exclude(pk__in=list(exclude))
            .order_by("-pk")
        )
