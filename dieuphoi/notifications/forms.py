from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .kinds import all_kinds
from .models import EmailMode, KindPreference
from .services import KIND_FIELD

Mode = KindPreference.Mode


class PreferenceForm(forms.Form):
    """The general e-mail mode and language, then one setting per kind of
    notification (fields ``kind_<key>``, see ``kind_fields``)."""

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_labels = {
            None: _("Default (as the e-mail setting above)"),
            EmailMode.DIGEST: _("Default (in the daily digest)"),
            EmailMode.IMMEDIATE: _("Default (an e-mail each time)"),
        }
        self.kind_names = []
        for kind in all_kinds():
            name = KIND_FIELD.format(kind.key)
            field = forms.ChoiceField(
                label=kind.label,
                # Every mode validates, so switching off a must-act kind gets
                # the service's clear message rather than "invalid choice".
                choices=[
                    ("", default_labels.get(kind.default_mode, default_labels[None])),
                    *Mode.choices,
                ],
                required=False,
                help_text=_("You have to act on these: they cannot be switched off.")
                if kind.must_act
                else "",
            )
            if kind.must_act:
                field.widget.choices = [c for c in field.choices if c[0] != Mode.MUTED]
            self.fields[name] = field
            self.kind_names.append(name)

    def kind_fields(self):
        return [self[name] for name in self.kind_names]

    def kind_values(self) -> dict[str, str]:
        prefix = KIND_FIELD.format("")
        # Only the kinds the form sent: a client that posts the general
        # settings alone leaves the per-kind ones as they are.
        return {
            name[len(prefix) :]: self.cleaned_data.get(name, "")
            for name in self.kind_names
            if name in self.data
        }
