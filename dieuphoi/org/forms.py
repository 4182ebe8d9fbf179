"""Forms of the registry pages. They parse input; rules live in the services."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField
from dieuphoi.docs.models import Document

from .models import LONG_TEXT_MAX, AdministrativeUnit, Agency, Body, Membership

TOM_SELECT = {"data-tom-select": ""}


class DateRangeForm(forms.Form):
    """Reports an end before the start at the end field, beside other errors."""

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error(
                "valid_to", _("The end date must be on or after the start date.")
            )
        return data


class AsOfForm(forms.Form):
    """The "as of" date of a registry page: dd/mm/yyyy or yyyy-mm-dd."""

    on = DateField(label=_("As of"), required=False)


class AgencyFilterForm(AsOfForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Agency.Kind.choices],
    )


def _dated_label(obj, code: str) -> str:
    end = f"{obj.valid_to:%d/%m/%Y}" if obj.valid_to else "…"
    return f"{obj.name} ({code}, {obj.valid_from:%d/%m/%Y} - {end})"


class _AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _dated_label(obj, obj.code)


class _AgencyMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _dated_label(obj, obj.code)


class _UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _dated_label(obj, obj.key)


class _PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


def _documents_of(body: Body):
    return Document.objects.filter(body=body).order_by("-issued_on", "-id")


class MembershipForm(DateRangeForm):
    """Create (with ``person``) or edit a membership."""

    person = _PersonChoiceField(
        label=_("Person"),
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .order_by("full_name", "username"),
        widget=forms.Select(attrs=TOM_SELECT),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    agency = _AgencyChoiceField(
        label=_("Home agency"),
        queryset=Agency.objects.order_by("name", "valid_from"),
        widget=forms.Select(attrs=TOM_SELECT),
        help_text=_("The agency must exist on the start date."),
    )
    position = forms.CharField(
        label=_("Position at the home agency"), required=False, max_length=200
    )
    is_part_time = forms.BooleanField(
        label=_("Part-time"), required=False, initial=True
    )
    valid_from = DateField(label=_("From"))
    valid_to = DateField(label=_("To"), required=False)
    appointing_document = forms.ModelChoiceField(
        label=_("Appointing document"), queryset=Document.objects.none(), required=False
    )
    duties = forms.CharField(
        label=_("Duties"),
        required=False,
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, body: Body, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointing_document"].queryset = _documents_of(body)
        if editing:
            # Person and body are fixed; duties change through duty_assign
            # so that their history is kept.
            del self.fields["person"]
            del self.fields["duties"]
            self.fields["version"].required = True


class MembershipEndForm(forms.Form):
    valid_to = DateField(label=_("Last day in the role"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class DutyAssignForm(forms.Form):
    text = forms.CharField(
        label=_("Duties"),
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    assigned_on = DateField(label=_("Assigned on"), required=False)
    document = forms.ModelChoiceField(
        label=_("Document"), queryset=Document.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, body: Body, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = _documents_of(body)


class UnitForm(DateRangeForm):
    key = forms.SlugField(label=_("Key"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=AdministrativeUnit.Kind.choices)
    valid_from = DateField(label=_("Valid from"))
    valid_to = DateField(label=_("Valid to"), required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=255, required=False
    )
    absorbed_note = forms.CharField(
        label=_("Also absorbs (outside the region)"), max_length=255, required=False
    )
    predecessors = _UnitMultipleChoiceField(
        label=_("Predecessors"),
        queryset=AdministrativeUnit.objects.order_by("name", "valid_from"),
        required=False,
        widget=forms.SelectMultiple(attrs=TOM_SELECT),
    )


class AgencyForm(DateRangeForm):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Agency.Kind.choices)
    unit = forms.ModelChoiceField(
        label=_("Administrative unit"),
        queryset=AdministrativeUnit.objects.order_by("name", "valid_from"),
        required=False,
    )
    valid_from = DateField(label=_("Valid from"))
    valid_to = DateField(label=_("Valid to"), required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=255, required=False
    )
    predecessors = _AgencyMultipleChoiceField(
        label=_("Predecessors"),
        queryset=Agency.objects.order_by("name", "valid_from"),
        required=False,
        widget=forms.SelectMultiple(attrs=TOM_SELECT),
    )


class BodyForm(DateRangeForm):
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=50, required=False)
    symbol = forms.CharField(label=_("Document symbol"), max_length=30, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    establishing_document = forms.ModelChoiceField(
        label=_("Establishing document"),
        queryset=Document.objects.select_related("doc_type").order_by("-issued_on"),
        required=False,
    )
    valid_from = DateField(label=_("Valid from"))
    valid_to = DateField(label=_("Valid to"), required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=255, required=False
    )
