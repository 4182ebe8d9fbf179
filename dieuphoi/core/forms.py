"""Form pieces shared by every app.

Dates are typed as dd/mm/yyyy in a text box (yyyy-mm-dd is accepted too,
see ``DATE_INPUT_FORMATS``): browsers' date pickers show the OS locale's order,
which is not the order Vietnamese officials write and read.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

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
