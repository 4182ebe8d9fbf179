from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import EmailMode


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=_("E-mail"),
        choices=[("", _("Default for my role")), *EmailMode.choices],
        required=False,
        help_text=_(
            "The default is an e-mail per notification for the leader, deputy "
            "and secretariat, and one daily digest for everyone else."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of notifications and e-mails"),
        choices=[("", _("Default (Vietnamese)")), *settings.LANGUAGES],
        required=False,
    )
