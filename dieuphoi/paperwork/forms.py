"""Forms of the documents pages.

The forms check the shape of the input; the services check the rules (the
signer's role against the authority, the state, the version) and their
errors are put back on the fields by the views (``add_service_errors``).

The addressee and copy pickers are the task form's party picker
(``tasks.forms.Choices.party_choices``: grouped, searchable, the agencies
and teams valid today), plus free-text lines for anyone else.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import LimitedCharField
from dieuphoi.org.models import Body
from dieuphoi.tasks.forms import TOM, Select, SelectMultiple

from . import services
from .models import SUBJECT_MAX, Paper, PaperKind, PaperStep

COMMENT_MAX = PaperStep._meta.get_field("comment").validators[0].limit_value
LINES_MAX = 4000
VERSION_MAX = 2**31 - 1
# The JSON of a body: at most BLOCKS_MAX blocks of TEXT_MAX characters, but a
# request is capped anyway (DATA_UPLOAD_MAX_MEMORY_SIZE).
BLOCKS_JSON_MAX = 5 * 1024 * 1024


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", VERSION_MAX)
        kwargs.setdefault("label", _("Version"))
        super().__init__(**kwargs)


class PaperFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Subject or number/symbol"),
            }
        ),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ModelChoiceField(
        label=_("Kind"),
        required=False,
        queryset=PaperKind.objects.none(),
        empty_label=_("All kinds"),
    )
    body = forms.ModelChoiceField(
        label=_("Coordination body"),
        required=False,
        queryset=Body.objects.none(),
        empty_label=_("All bodies"),
    )

    def __init__(self, data, *, kinds: list[PaperKind], bodies: list[Body]):
        super().__init__(data)
        self.fields["state"].choices = [("", _("All states")), *Paper.State.choices]
        self.fields["kind"].queryset = PaperKind.objects.filter(
            pk__in=[k.pk for k in kinds]
        ).select_related("doc_type")
        self.fields["body"].queryset = Body.objects.filter(
            pk__in=[b.pk for b in bodies]
        )
        if len(bodies) <= 1:
            del self.fields["body"]


class PartiesField(forms.MultipleChoiceField):
    """Several parties from the task form's picker (agencies, ``team-<id>``);
    cleans to the objects."""

    widget = SelectMultiple

    def __init__(self, *, objects: Callable[[], dict], choices: Callable, **kwargs):
        self._objects = objects
        super().__init__(choices=choices, **kwargs)

    def to_python(self, value):
        values = super().to_python(value)
        if len(values) > 200:
            raise forms.ValidationError(gettext("Choose at most 200."))
        found = self._objects()
        out = []
        for item in values:
            obj = found.get(str(item))
            if obj is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
            out.append(obj)
        return out

    def validate(self, value):
        if not value and self.required:
            raise forms.ValidationError(self.error_messages["required"], "required")

    def prepare_value(self, value):
        from dieuphoi.tasks.forms import party_value

        return [
            party_value(v) if not isinstance(v, str | int) else v for v in value or []
        ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def recipients_input(
    addressees, addressee_lines: str, copies, copy_lines: str
) -> list[services.RecipientInput]:
    out = []
    for parties, lines, addressee in (
        (addressees, addressee_lines, True),
        (copies, copy_lines, False),
    ):
        for party in parties or ():
            if isinstance(party, Body):
                out.append(
                    services.RecipientInput(party_body=party, addressee=addressee)
                )
            else:
                out.append(services.RecipientInput(agency=party, addressee=addressee))
        out.extend(
            services.RecipientInput(text=line, addressee=addressee)
            for line in _lines(lines)
        )
    return out


class PaperCreateForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Issuing body"), queryset=Body.objects.none(), empty_label=None
    )
    kind = forms.ModelChoiceField(
        label=_("Kind of document"),
        queryset=PaperKind.objects.none(),
        empty_label=_("— choose —"),
    )
    subject = LimitedCharField(
        label=_("Subject (trích yếu)"),
        max_length=SUBJECT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the document is about, e.g. “Về việc đôn đốc …”."),
    )
    signer = forms.TypedChoiceField(
        label=_("Signer"), coerce=int, empty_value=None, widget=Select()
    )
    authority = forms.ChoiceField(
        label=_("Signing authority"),
        required=False,
        choices=Paper.Authority.choices,
        initial=Paper.Authority.TM,
        help_text=_(
            "TM. and no prefix: the leader signs; KT. and Q.: a deputy; TL.: the "
            "secretariat; TUQ.: whoever the leader authorised."
        ),
    )
    signer_title = forms.CharField(
        label=_("Signer's own title (TL., TUQ.)"),
        required=False,
        max_length=100,
        help_text=_("e.g. CHÁNH VĂN PHÒNG. Only with TL. or TUQ."),
    )
    addressees = forms.MultipleChoiceField(label=_("Addressees"), required=False)
    addressee_lines = forms.CharField(
        label=_("Other addressees"),
        required=False,
        max_length=LINES_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as printed (not in the lists above)."),
    )
    copies = forms.MultipleChoiceField(label=_("Copies to (Nơi nhận)"), required=False)
    copy_lines = forms.CharField(
        label=_("Other copies"),
        required=False,
        max_length=LINES_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as printed."),
    )
    first_paragraph = forms.CharField(
        label=_("First paragraph"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: the rest is written in the editor or in Word."),
    )

    def __init__(self, *args, bodies: list[Body], kinds, candidates, choices, **kw):
        super().__init__(*args, **kw)
        f = self.fields
        f["body"].queryset = Body.objects.filter(pk__in=[b.pk for b in bodies])
        if len(bodies) == 1:
            f["body"].widget = forms.HiddenInput()
            f["body"].initial = bodies[0].pk
        f["kind"].queryset = kinds
        self.candidates = {m.person_id: m for m in candidates}
        several = len({m.body_id for m in candidates}) > 1
        groups: dict[str, list] = {}
        for m in candidates:
            label = f"{m.person} — {m.get_role_display()}"
            groups.setdefault(m.body.name if several else "", []).append(
                (m.person_id, label)
            )
        empty = [("", _("— choose —"))]
        if several:
            f["signer"].choices = [*empty, *groups.items()]
        else:
            f["signer"].choices = [*empty, *groups.get("", [])]
        f["signer"].help_text = _(
            "Members of the body who may sign, with their role today."
        )
        for name in ("addressees", "copies"):
            f[name] = PartiesField(
                label=f[name].label,
                required=False,
                objects=lambda: choices.parties,
                choices=choices.party_choices,
                widget=SelectMultiple(attrs=TOM),
                help_text=_(
                    "Agencies and other provinces' teams; their focal points "
                    "receive the document in the system once it is sent."
                ),
            )

    def clean_signer(self):
        pk = self.cleaned_data.get("signer")
        return self.candidates[pk].person if pk in self.candidates else None

    def recipients(self) -> list[services.RecipientInput]:
        d = self.cleaned_data
        return recipients_input(
            d.get("addressees"),
            d.get("addressee_lines", ""),
            d.get("copies"),
            d.get("copy_lines", ""),
        )


class ActionForm(forms.Form):
    """A transition's button: the version the user saw, and a comment."""

    version = VersionField()
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Each button's box says what the comment is for.
    COMMENT_LABELS = {
        "approve": _("Comment on approval (optional)"),
        "return": _("What must change"),
    }

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if action in self.COMMENT_LABELS:
            self.fields["comment"].label = self.COMMENT_LABELS[action]


class FileForm(forms.Form):
    """An upload (the DOCX edited in Word, or the signed PDF)."""

    version = VersionField()
    file = forms.FileField(label=_("File"))


class EditForm(forms.Form):
    """The editor: the subject and the body (``blocks``, JSON from the page's
    script; without script the named fields are read, ``parse_named_blocks``)."""

    version = VersionField()
    base = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX
    )
    subject = LimitedCharField(
        label=_("Subject (trích yếu)"),
        max_length=SUBJECT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    blocks = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        max_length=BLOCKS_JSON_MAX,
        strip=False,
    )
    note = forms.CharField(
        label=_("What changed (optional)"),
        required=False,
        max_length=500,
    )


# --- the body from the editor -------------------------------------------------------


class BlocksError(ValueError):
    pass


KEEP = "keep"


def parse_json_blocks(text: str) -> list:
    """The editor's JSON: a list of blocks and ``{"kind": "keep", "index": n}``
    (a block kept as it is: a big table)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise BlocksError from None
    if not isinstance(data, list):
        raise BlocksError
    return data


def parse_named_blocks(data, limit: int = services.BLOCKS_MAX) -> list:
    """The body from the named fields (the page without script):
    ``block-count``, then ``block-<i>-kind`` and the block's fields."""
    try:
        count = int(data.get("block-count", "0"))
    except (TypeError, ValueError):
        raise BlocksError from None
    if not 0 <= count <= limit:
        raise BlocksError
    out = []
    for i in range(count):
        p = f"block-{i}-"
        kind = data.get(p + "kind", "")
        meta = _meta(data.get(p + "meta", ""))
        if kind == "paragraph":
            out.append({**meta, "kind": "paragraph", "text": data.get(p + "text", "")})
        elif kind.startswith("heading-") and kind[-1:] in ("1", "2", "3"):
            out.append(
                {"kind": "heading", "text": data.get(p + "text", ""), "level": kind[-1]}
            )
        elif kind == "table":
            try:
                cols = int(data.get(p + "cols", "0"))
                rows = int(data.get(p + "rows", "0"))
            except (TypeError, ValueError):
                raise BlocksError from None
            if not (0 < cols <= 100 and 0 <= rows <= 10_000):
                raise BlocksError
            out.append(
                {
                    **meta,
                    "kind": "table",
                    "columns": [data.get(f"{p}col-{j}", "") for j in range(cols)],
                    "rows": [
                        {
                            "cells": [
                                data.get(f"{p}cell-{r}-{j}", "")
                                for j in range(1 if data.get(f"{p}group-{r}") else cols)
                            ],
                            "group": bool(data.get(f"{p}group-{r}")),
                        }
                        for r in range(rows)
                    ],
                }
            )
        elif kind == KEEP:
            out.append({"kind": KEEP, "index": data.get(p + "index", "")})
        else:
            raise BlocksError
    return out


def _meta(text: str) -> dict:
    """A block's attributes the editor does not change (alignment, widths)."""
    if not text:
        return {}
    try:
        meta = json.loads(text)
    except ValueError:
        raise BlocksError from None
    if not isinstance(meta, dict):
        raise BlocksError
    allowed = {"bold", "italic", "align", "indent", "widths", "center", "font_size",
               "caption"}  # fmt: skip
    return {k: v for k, v in meta.items() if k in allowed}


def resolve_kept(blocks: list, base_blocks: list) -> list:
    """Put the kept blocks (big tables) back from the version edited."""
    out = []
    for block in blocks:
        if isinstance(block, dict) and block.get("kind") == KEEP:
            try:
                index = int(block.get("index"))
                if index < 0:
                    raise IndexError
                out.append(base_blocks[index])
            except (TypeError, ValueError, IndexError):
                raise BlocksError from None
        else:
            out.append(block)
    return out
