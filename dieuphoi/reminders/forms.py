from django import forms
from django.utils.translation import gettext_lazy as _


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How was it resolved?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say how the escalation was resolved.")},
    )
