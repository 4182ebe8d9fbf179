from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import MultipleFileField


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Mention someone with @ and their username, or pick them below."),
    )
    mentions = forms.MultipleChoiceField(label=_("Mention"), required=False, choices=())
    files = MultipleFileField(label=_("Files"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, people=(), with_files: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # Ids are checked by the service (a person who may not see the item
        # gets its clear message), so any number is accepted here.
        self.fields["mentions"].choices = [
            (str(p.pk), f"{p.full_name or p.username} (@{p.username})") for p in people
        ]
        self.fields["mentions"].valid_value = lambda value: str(value).isdigit()
        self.fields["mentions"].widget.attrs.update(
            {"data-tom-select": "", "data-placeholder": _("People to tell")}
        )
        if not with_files:
            del self.fields["files"]
