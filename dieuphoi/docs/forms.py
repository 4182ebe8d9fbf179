from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField, LimitedCharField
from dieuphoi.org.models import Agency, Body

from .models import Document, DocumentType
from .services import ACCEPTED_EXTENSIONS, NUMBER_RE, SUMMARY_MAX


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        if obj.valid_to:
            return gettext("%(name)s (until %(date)s)") % {
                "name": obj.name,
                "date": obj.valid_to.strftime("%d/%m/%Y"),
            }
        return obj.name


class DocumentForm(forms.Form):
    """Fields of a document; the service does the domain checks."""

    body = forms.ModelChoiceField(
        label=_("Register of"), queryset=Body.objects.none(), empty_label=None
    )
    doc_type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.order_by("name"),
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )
    number = forms.CharField(
        label=_("Number"),
        max_length=20,
        help_text=_("Digits only, as written: 986, 06."),
        validators=[
            RegexValidator(
                NUMBER_RE, _("The number must be digits only, for example 986 or 06.")
            )
        ],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    symbol = forms.CharField(
        label=_("Symbol"),
        max_length=60,
        required=False,
        help_text=_("For example QĐ-TTg or 2025/QĐ-UBND; may be empty for a Công văn."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    issued_on = DateField(label=_("Date of issue"))
    issuer = AgencyChoiceField(
        label=_("Issuing agency"),
        queryset=Agency.objects.order_by("name", "-valid_from"),
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )
    signer = forms.CharField(label=_("Signer"), max_length=150, required=False)
    summary = LimitedCharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        help_text=_("The trích yếu, at most 1000 characters."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Document.Direction.choices,
        initial=Document.Direction.INCOMING,
    )

    def __init__(self, *args, bodies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if bodies is None:
            del self.fields["body"]
        else:
            self.fields["body"].queryset = Body.objects.filter(
                pk__in=[b.pk for b in bodies]
            ).order_by("kind", "name")


class DocumentEditForm(DocumentForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DocumentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Number, symbol (986/QĐ-TTg) or words of the summary"),
            }
        ),
    )
    doc_type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.order_by("name"),
        required=False,
        empty_label=_("All types"),
    )
    body = forms.ModelChoiceField(
        label=_("Register of"),
        queryset=Body.objects.none(),
        required=False,
        empty_label=_("All registers"),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", _("All directions")), *Document.Direction.choices],
        required=False,
    )
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To"), required=False)

    def __init__(self, *args, bodies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Body.objects.filter(
            pk__in=[b.pk for b in bodies]
        ).order_by("kind", "name")


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in ACCEPTED_EXTENSIONS)}
        ),
    )
