from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField


class ActorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.username})"


class ObjectTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        model = obj.model_class()
        if model is None:
            return obj.model
        return str(capfirst(model._meta.verbose_name))


def project_app_labels() -> list[str]:
    return [
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("dieuphoi.")
    ]


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action starts with"),
        required=False,
        max_length=64,
        help_text=_("For example “tasks.” or “accounts.token_”."),
    )
    actor = ActorChoiceField(
        label=_("Actor"),
        queryset=get_user_model().objects.order_by("full_name", "username"),
        required=False,
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )
    target_type = ObjectTypeChoiceField(
        label=_("Object type"),
        queryset=ContentType.objects.none(),
        required=False,
        widget=forms.Select(attrs={"data-tom-select": ""}),
    )
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To"), required=False)
    before = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput, label=_("Position")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_type"].queryset = ContentType.objects.filter(
            app_label__in=project_app_labels()
        ).order_by("app_label", "model")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to", _("The end date must be on or after the start date.")
            )
        return cleaned
