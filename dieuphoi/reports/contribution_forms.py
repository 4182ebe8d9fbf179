"""Forms of the contribution pages: the request (parties, deadline,
headings as lines, message) and a party's sections (one text per heading)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField, LimitedCharField
from dieuphoi.org.models import Body
from dieuphoi.proposals.forms import PartyMultipleChoiceField
from dieuphoi.tasks.forms import TOM, Choices, SelectMultiple

from . import sections as section_text
from .contributions import MESSAGE_MAX

REQUIRED_MARK = "*"
HEADING_LINES_MAX = section_text.HEADINGS_MAX * (section_text.HEADING_TITLE_MAX + 4)
VERSION_MAX = 2**31 - 1


def heading_lines(headings: list[dict]) -> str:
    """Headings as the form's lines: a title each, ``*`` after a required one."""
    return "\n".join(
        f"{h['title']} {REQUIRED_MARK}" if h.get("required") else h["title"]
        for h in headings
    )


def parse_heading_lines(text: str, known: list[dict] = ()) -> list[dict]:
    """The lines back to headings; a title of ``known`` (the template's)
    keeps its key and hint."""
    by_title = {h["title"]: h for h in known}
    out = []
    for line in (text or "").splitlines():
        title = line.strip()
        required = title.endswith(REQUIRED_MARK)
        title = title.rstrip(REQUIRED_MARK).strip()
        if not title:
            continue
        base = by_title.get(title, {})
        out.append(
            {
                "key": base.get("key", ""),
                "title": title,
                "required": required,
                "hint": base.get("hint", ""),
            }
        )
    return out


class RequestForm(forms.Form):
    deadline = DateField(
        label=_("Deadline"),
        help_text=_("Not after the report's own deadline."),
    )
    headings = LimitedCharField(
        label=_("Headings"),
        max_length=HEADING_LINES_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One heading per line, in order; end a line with * for a heading "
            "that must be written."
        ),
    )
    message = LimitedCharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what to focus on, the figures wanted."),
    )

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"] = PartyMultipleChoiceField(
            label=_("Agencies and teams asked"),
            help_text=_(
                "Member agencies, other agencies and other provinces' teams, as "
                "they are today."
            ),
            objects=lambda: choices.parties,
            choices=choices.party_choices,
            widget=SelectMultiple(attrs=TOM),
        )
        self.order_fields(["parties", "deadline", "headings", "message"])

    def split_parties(self) -> tuple[list, list]:
        """``(agencies, teams)`` of the cleaned parties."""
        parties = self.cleaned_data.get("parties") or []
        bodies = [p for p in parties if isinstance(p, Body)]
        agencies = [p for p in parties if not isinstance(p, Body)]
        return agencies, bodies


def section_field_name(key: str) -> str:
    return f"section_{key}"


class ContributionForm(forms.Form):
    """One textarea per heading; ``action`` is ``save`` or ``submit``."""

    action = forms.ChoiceField(
        choices=[("save", _("Save draft")), ("submit", _("Submit"))],
        widget=forms.HiddenInput,
        initial="save",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX
    )

    def __init__(self, *args, headings: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.headings = headings
        for heading in headings:
            self.fields[section_field_name(heading["key"])] = LimitedCharField(
                label=heading["title"],
                required=False,
                max_length=section_text.SECTION_MAX,
                strip=False,
                widget=forms.Textarea(
                    attrs={
                        "rows": 8,
                        "class": "contribution-text",
                        "spellcheck": "true",
                    }
                ),
                help_text=heading.get("hint") or "",
            )

    def sections(self) -> dict[str, str]:
        return {
            h["key"]: self.cleaned_data.get(section_field_name(h["key"])) or ""
            for h in self.headings
        }
