"""Form pieces shared by every app.

Dates are typed as dd/mm/yyyy in a text box (yyyy-mm-dd is accepted too,
see ``DATE_INPUT_FORMATS``): browsers' date pickers show the OS locale's order,
which is not the order Vietnamese officials write and read.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dieuphoi.core import params

DATE_PLACEHOLDER = "dd/mm/yyyy"


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": DATE_PLACEHOLDER,
            "inputmode": "numeric",
            "autocomplete": "off",
            "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}",
            "data-date-input": "",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")


class DateField(forms.DateField):
    widget = DateInput
    default_error_messages = {
        "invalid": _("Enter a valid date as dd/mm/yyyy."),
    }

    def to_python(self, value):
        # Years 1900..2100 (``params``): 31/12/9999 would overflow the day after.
        day = super().to_python(value)
        if day is not None and not params.MIN_DATE <= day <= params.MAX_DATE:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files in one input; ``cleaned_data`` is a list (empty
    when none). Size and type are checked by the service that stores them
    (``docs.services.attachment_add``)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class LimitedCharField(forms.CharField):
    """Text with a length limit that is checked, never enforced by cutting.

    The browser's ``maxlength`` silently drops whatever is pasted past the
    limit, so the widget gets ``data-maxlength`` instead (a live count in
    ``static/js/app.js``) and an over-long value gets a field error that says
    both lengths.
    """

    default_error_messages = {
        "max_length": _(
            "This is too long: %(show_value)d characters, at most %(limit_value)d. "
            "Shorten it; nothing was cut."
        ),
    }

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        limit = attrs.pop("maxlength", None)
        if limit is not None:
            attrs["data-maxlength"] = limit
        return attrs


def add_service_errors(
    form: forms.Form, exc: ValidationError, rename: dict | None = None
) -> list[str]:
    """Put a service's ``ValidationError`` on the form, at the field it names.

    Errors for names the form has no field for go to the form itself.
    ``rename`` maps a service's field name to the form's; mapping it to
    ``None`` collects those messages into the returned list instead, for a
    view that shows them elsewhere.
    """
    rename = rename or {}
    leftover: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return leftover
    for field, errors in exc.message_dict.items():
        name = rename.get(field, field)
        if name is None:
            leftover.extend(errors)
        else:
            form.add_error(name if name in form.fields else None, errors)
    return leftover
