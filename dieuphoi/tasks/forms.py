"""Forms of the task pages.

The forms check the shape of the input (required fields, dates, numbers);
the services check the rules (deadline after the assigned date, agencies
valid on that date, the lead agency not also co-operating...) and their
errors are put back on the form's fields by the views.

Choice lists come from ``Choices``: one query per kind of object for the
whole page, however many selects (co-operating rows) show them.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable
from functools import cached_property

from django import forms
from django.contrib.auth import get_user_model
from django.forms.utils import ErrorDict, flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.forms import DateField, LimitedCharField, MultipleFileField
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Document
from dieuphoi.org.models import AdministrativeUnit, Agency, Body, Membership

from . import buckets, selectors, workflow
from . import cache as task_cache
from .models import Sector, Task

TOM = {"data-tom-select": ""}


class FastSelectMixin:
    """Render the select in Python, with the same markup as Django's widget.

    Django renders every ``<option>`` through a template include (about
    0.15 ms each); the filter form's agency and province lists have hundreds
    of options, which made the list page spend more time drawing its
    selects than fetching its rows.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        values = self.format_value(value)
        choices = [
            (v, label if isinstance(label, list | tuple) else str(label))
            for v, label in self.choices
        ]
        options = None
        if self.allow_multiple_selected or len(values) <= 1:
            options = _cached_options(choices)
        if options is None:
            options = self._options(choices, set(values))
        else:
            # The cached options have none selected: mark the first option of
            # each value (the only one, for a single select), as below.
            for text in values:
                tag = f'<option value="{html.escape(text)}">'
                options = options.replace(tag, f"{tag[:-1]} selected>", 1)
        head = f'<select name="{html.escape(name)}"{flatatt(final_attrs)}>'
        # Every value and label is escaped (``_options``).
        return mark_safe(f"{head}{options}</select>")  # noqa: S308 - all escaped  # nosec B308 B703

    def _options(self, choices, selected: set[str]) -> str:
        state = {"found": False}

        def option(option_value, label) -> str:
            text = "" if option_value is None else str(option_value)
            is_selected = text in selected and (
                self.allow_multiple_selected or not state["found"]
            )
            state["found"] = state["found"] or is_selected
            mark = " selected" if is_selected else ""
            return (
                f'<option value="{html.escape(text)}"{mark}>'
                f"{html.escape(str(label))}</option>"
            )

        parts = []
        for option_value, label in choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{html.escape(str(option_value))}">')
                parts.extend(option(v, sub) for v, sub in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        return "".join(parts)


# Options HTML (nothing selected) by the choices themselves, so an entry can
# never be stale: the filter form's agency and province lists (hundreds of
# options, the same on every list page) are escaped and joined once.
_OPTIONS_CACHE: dict[tuple, str] = {}
_OPTIONS_CACHE_SIZE = 64


def _cached_options(choices: list[tuple]) -> str | None:
    if len(choices) < 20 or any(
        isinstance(label, list | tuple) for _v, label in choices
    ):
        return None  # short lists and option groups: rendered each time
    key = tuple(("" if v is None else str(v), label) for v, label in choices)
    options = _OPTIONS_CACHE.get(key)
    if options is None:
        options = "".join(
            f'<option value="{html.escape(v)}">{html.escape(label)}</option>'
            for v, label in key
        )
        if len(_OPTIONS_CACHE) >= _OPTIONS_CACHE_SIZE:
            _OPTIONS_CACHE.clear()
        _OPTIONS_CACHE[key] = options
    return options


class Select(FastSelectMixin, forms.Select):
    pass


class SelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


def _d(value: datetime.date) -> str:
    # dd/mm/yyyy, as every date in the UI (the vi SHORT_DATE_FORMAT).
    return value.strftime("%d/%m/%Y")


def dated_label(obj, name: str) -> str:
    """The name, with "(until dd/mm/yyyy)" for a version that has ended."""
    if getattr(obj, "valid_to", None):
        return gettext("%(name)s (until %(date)s)") % {
            "name": name,
            "date": _d(obj.valid_to),
        }
    return name


def _until(name: str, valid_to: datetime.date | None) -> str:
    """``dated_label`` from plain values."""
    if valid_to:
        return gettext("%(name)s (until %(date)s)") % {
            "name": name,
            "date": _d(valid_to),
        }
    return name


def party_value(party) -> str:
    """The picker value of a co-operating party (an agency or a team)."""
    if isinstance(party, Body):
        return f"team-{party.pk}"
    return str(getattr(party, "pk", party))


GROUP_LABELS = {
    "own": lambda: gettext("The team's own agencies"),
    "province": lambda: gettext("Other provinces' agencies"),
    "central": lambda: gettext("Ministries and central agencies"),
}


def document_label(document: Document) -> str:
    summary = document.summary
    if len(summary) > 90:
        summary = summary[:89].rstrip() + "…"
    return f"{document.reference} ({_d(document.issued_on)}) — {summary}"


def filter_options() -> dict[str, list[tuple[str, str]]]:
    """The list filters' options: ``agencies``, ``units`` (every version,
    ended ones dated) and ``sectors``, as ``(value, label)``. Three queries."""
    agencies = Agency.objects.order_by("name", "-valid_from").values_list(
        "id", "name", "valid_to"
    )
    units = AdministrativeUnit.objects.order_by("name", "-valid_from").values_list(
        "id", "name", "valid_to"
    )
    return {
        "agencies": [(str(pk), _until(name, to)) for pk, name, to in agencies],
        "units": [(str(pk), _until(name, to)) for pk, name, to in units],
        "sectors": [
            (str(pk), name) for pk, name in Sector.objects.values_list("id", "name")
        ],
    }


class Choices:
    """Objects offered by the selects of one page, each loaded once, lazily.

    ``bodies`` limits the documents and owners to those bodies (the create
    and edit forms); the list filters use only agencies, sectors and units.
    """

    def __init__(
        self,
        *,
        bodies: Iterable[Body] = (),
        extra_document=None,
        extra_owner=None,
        on: datetime.date | None = None,
        extra_parties: Iterable = (),
    ):
        self.bodies = list(bodies)
        # The task's current values stay choosable even when they would no
        # longer be offered (an old document, an owner whose term ended).
        self.extra_document = extra_document
        self.extra_owner = extra_owner
        # The pickers offer the agencies and teams valid on this date (the
        # assigned date); any id still validates, so a stale one gets the
        # service's clear "did not exist on" message.
        self.on = on or local_today()
        self.extra_parties = list(extra_parties)

    @cached_property
    def agencies(self) -> dict[int, Agency]:
        return {
            a.pk: a
            for a in Agency.objects.only(
                "id",
                "code",
                "name",
                "short_name",
                "kind",
                "unit_id",
                "valid_from",
                "valid_to",
            ).order_by("name", "-valid_from")
        }

    @cached_property
    def teams(self) -> dict[int, Body]:
        """Coordination teams that can be asked to co-operate (every version:
        validity is checked by the service; the picker offers those of
        ``on``)."""
        own = {b.pk for b in self.bodies}
        return {
            b.pk: b
            for b in Body.objects.filter(kind=Body.Kind.TEAM)
            .exclude(pk__in=sorted(own))
            .select_related("unit")
            .order_by("name", "-valid_from")
        }

    @cached_property
    def parties(self) -> dict[str, object]:
        """Picker values of the co-operating parties: ``"<agency id>"`` and
        ``"team-<body id>"``."""
        found: dict[str, object] = {str(pk): a for pk, a in self.agencies.items()}
        found.update({party_value(b): b for b in self.teams.values()})
        return found

    @cached_property
    def home_unit_id(self) -> int | None:
        """The province of the assigning body, when there is one body."""
        units = {b.unit_id for b in self.bodies}
        return units.pop() if len(units) == 1 else None

    def _valid(self, obj) -> bool:
        return obj.is_valid_on(self.on) or obj in self.extra_parties

    def _grouped_agencies(self, groups: Iterable[str]) -> list:
        from dieuphoi.org.selectors import agency_group

        by_group: dict[str, list] = {g: [] for g in groups}
        for pk, a in self.agencies.items():
            group = agency_group(a, self.home_unit_id)
            if group in by_group and self._valid(a):
                by_group[group].append((str(pk), dated_label(a, a.name)))
        return [(GROUP_LABELS[g](), rows) for g, rows in by_group.items() if rows]

    def lead_choices(self) -> list:
        """Only the team's own agencies can lead (grouped, valid on ``on``);
        without a single province, every agency valid on ``on``."""
        from dieuphoi.org.selectors import GROUP_CENTRAL, GROUP_OWN, GROUP_PROVINCE

        if self.home_unit_id is None:
            return self._grouped_agencies([GROUP_OWN, GROUP_PROVINCE, GROUP_CENTRAL])
        return self._grouped_agencies([GROUP_OWN])

    def party_choices(self) -> list:
        """Co-operating parties, grouped: the team's own agencies, other
        provinces' coordination teams, other provinces' agencies, ministries."""
        from dieuphoi.org.selectors import GROUP_CENTRAL, GROUP_OWN, GROUP_PROVINCE

        groups = self._grouped_agencies([GROUP_OWN, GROUP_PROVINCE, GROUP_CENTRAL])
        teams = [
            (party_value(b), dated_label(b, b.name))
            for b in self.teams.values()
            if self._valid(b)
        ]
        if teams:
            groups.insert(
                1 if groups else 0, (gettext("Other provinces' teams"), teams)
            )
        return groups

    @cached_property
    def sectors(self) -> dict[int, Sector]:
        return {s.pk: s for s in selectors.sector_choices()}

    @cached_property
    def units(self) -> dict[int, AdministrativeUnit]:
        return {
            u.pk: u
            for u in AdministrativeUnit.objects.only(
                "id", "name", "valid_from", "valid_to"
            ).order_by("name", "-valid_from")
        }

    @cached_property
    def documents(self) -> dict[int, Document]:
        """Newest documents of the bodies (the register can be long: the
        last ``DOCUMENT_LIMIT`` are offered, plus the task's own)."""
        qs = (
            Document.objects.filter(body__in=self.bodies)
            .only("id", "number", "symbol", "issued_on", "summary", "body_id")
            .order_by("-issued_on", "-id")[: self.DOCUMENT_LIMIT]
        )
        found = {d.pk: d for d in qs}
        extra = self.extra_document
        if extra is not None and extra.pk not in found:
            found[extra.pk] = extra
        return found

    DOCUMENT_LIMIT = 500

    @cached_property
    def owners(self) -> dict[int, object]:
        """People holding a role in the bodies today."""
        User = get_user_model()
        ids = (
            Membership.objects.as_of(local_today())
            .filter(body__in=self.bodies)
            .values("person_id")
        )
        found = {
            u.pk: u
            for u in User.objects.filter(pk__in=ids, is_active=True)
            .select_related("agency")
            .order_by("full_name", "username")
        }
        extra = self.extra_owner
        if extra is not None and extra.pk not in found:
            found[extra.pk] = extra
        return found

    # (value, label) lists for the widgets, built once per page: a select
    # may iterate its choices more than once, and two selects share agencies.
    @cached_property
    def _agency_choices(self) -> list[tuple[str, str]]:
        return [(str(pk), dated_label(a, a.name)) for pk, a in self.agencies.items()]

    @cached_property
    def _unit_choices(self) -> list[tuple[str, str]]:
        return [(str(pk), dated_label(u, u.name)) for pk, u in self.units.items()]

    def agency_choices(self) -> list[tuple[str, str]]:
        return self._agency_choices

    def sector_choices(self) -> list[tuple[str, str]]:
        return [(str(pk), s.name) for pk, s in self.sectors.items()]

    def unit_choices(self) -> list[tuple[str, str]]:
        return self._unit_choices

    # The list filters need only the labels: plain rows, no model objects
    # (about 190 agencies and 600 unit versions on every list page), kept in
    # the process until the registry changes (``tasks.cache.filter_options``).
    @cached_property
    def _filter_options(self) -> dict[str, list[tuple[str, str]]]:
        return task_cache.filter_options(filter_options)

    def agency_options(self) -> list[tuple[str, str]]:
        return self._filter_options["agencies"]

    def unit_options(self) -> list[tuple[str, str]]:
        return self._filter_options["units"]

    def sector_options(self) -> list[tuple[str, str]]:
        return self._filter_options["sectors"]

    def document_choices(self) -> list[tuple[str, str]]:
        return [(str(pk), document_label(d)) for pk, d in self.documents.items()]

    def owner_choices(self) -> list[tuple[str, str]]:
        out = []
        for pk, user in self.owners.items():
            name = user.full_name or user.username
            if user.agency_id:
                name = f"{name} — {user.agency}"
            out.append((str(pk), name))
        return out


class ObjectChoiceField(forms.ChoiceField):
    """A select over a pre-loaded ``{pk: object}``; cleans to the object.

    ``objects`` is a callable so the query runs only when the page needs it.
    """

    widget = Select

    def __init__(
        self,
        *,
        objects: Callable[[], dict],
        choices: Callable[[], list],
        empty_label=None,
        **kwargs,
    ):
        self._objects = objects
        empty = [("", empty_label)] if empty_label is not None else []
        super().__init__(choices=lambda: [*empty, *choices()], **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return self._objects()[int(value)]
        except (KeyError, ValueError, TypeError):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], "required")

    def prepare_value(self, value):
        return getattr(value, "pk", value)


class PartyChoiceField(ObjectChoiceField):
    """A co-operating party: an agency (value ``"<id>"``) or another
    province's coordination team (``"team-<id>"``); cleans to the object."""

    def to_python(self, value):
        value = forms.ChoiceField.to_python(self, value)
        if value in self.empty_values:
            return None
        found = self._objects().get(str(value))
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found

    def prepare_value(self, value):
        if value is None or isinstance(value, str | int):
            return value
        return party_value(value)


class ObjectMultipleChoiceField(forms.MultipleChoiceField):
    widget = SelectMultiple

    def __init__(self, *, objects: Callable[[], dict], choices: Callable, **kwargs):
        self._objects = objects
        super().__init__(choices=choices, **kwargs)

    def to_python(self, value):
        values = super().to_python(value)
        out = []
        objects = self._objects()
        for item in values:
            try:
                out.append(objects[int(item)])
            except (KeyError, ValueError, TypeError):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                ) from None
        return out

    def validate(self, value):
        if not value and self.required:
            raise forms.ValidationError(self.error_messages["required"], "required")

    def prepare_value(self, value):
        if value is None:
            return []
        return [getattr(v, "pk", v) for v in value]


# --- list filters ------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    """The list's filter controls. Parsing is ``selectors.parse_task_filters``
    (shared with the API); this form only shows the values and puts the
    parser's messages on their fields."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Code, words of the title or of the latest update"),
            }
        ),
    )
    bucket = forms.ChoiceField(label=_("Status"), required=False, widget=Select())
    warning = forms.ChoiceField(label=_("Warning"), required=False, widget=Select())
    state = forms.ChoiceField(label=_("Stage"), required=False, widget=Select())
    lead_agency = forms.ChoiceField(
        label=_("Lead agency"), required=False, widget=Select(attrs=TOM)
    )
    cooperating_agency = forms.ChoiceField(
        label=_("Co-operating agency"), required=False, widget=Select(attrs=TOM)
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False, widget=Select())
    province = forms.ChoiceField(
        label=_("Province"), required=False, widget=Select(attrs=TOM)
    )
    record_only = forms.ChoiceField(
        label=_("Predecessor agencies"),
        required=False,
        widget=Select(),
        help_text=_(
            "Whether the agency and province filters include the agencies and "
            "provinces they succeeded."
        ),
    )
    is_key = forms.ChoiceField(label=_("Key tasks"), required=False, widget=Select())
    extended = forms.ChoiceField(
        label=_("Deadline extended"), required=False, widget=Select()
    )
    deadline_from = DateField(label=_("Deadline from"), required=False)
    deadline_to = DateField(label=_("Deadline to"), required=False)
    assigned_from = DateField(label=_("Assigned from"), required=False)
    assigned_to = DateField(label=_("Assigned to"), required=False)
    source_document = forms.ChoiceField(
        label=_("Source document"), required=False, widget=Select()
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, widget=Select())
    on = DateField(
        label=_("As of"),
        required=False,
        help_text=_("Statuses as they were on this date; empty for today."),
    )

    DATE_FIELDS = ("deadline_from", "deadline_to", "assigned_from", "assigned_to", "on")

    def __init__(
        self,
        data,
        *,
        filters: selectors.TaskFilters,
        errors: dict[str, str],
        choices: Choices,
        source_document: Document | None = None,
    ):
        data = data.copy()
        # Dates the parser understood are shown as dd/mm/yyyy.
        for name in self.DATE_FIELDS:
            value = getattr(filters, name)
            if value and name not in errors:
                data[name] = value.strftime("%d/%m/%Y")
        super().__init__(data)
        self.parse_errors = errors
        f = self.fields
        f["bucket"].choices = [
            ("", _("All statuses")),
            *((k, v) for k, v in buckets.BUCKET_LABELS.items()),
        ]
        f["warning"].choices = [
            ("", _("Any")),
            *((k, v) for k, v in buckets.WARNING_LABELS.items()),
        ]
        f["state"].choices = [("", _("All stages")), *Task.State.choices]
        agencies = _lazy_choices(_("All agencies"), choices.agency_options)
        f["lead_agency"].choices = agencies
        f["cooperating_agency"].choices = agencies
        f["sector"].choices = _lazy_choices(_("All sectors"), choices.sector_options)
        f["province"].choices = _lazy_choices(_("All provinces"), choices.unit_options)
        f["is_key"].choices = [
            ("", _("All tasks")),
            ("1", _("Key tasks only")),
            ("0", _("Other tasks only")),
        ]
        f["record_only"].choices = [
            ("", _("Include predecessors")),
            ("1", _("Agency of record only")),
        ]
        f["extended"].choices = [
            ("", _("All tasks")),
            ("1", _("Deadline extended")),
            ("0", _("Deadline never changed")),
        ]
        f["source_document"].choices = [("", _("Any document"))] + (
            [(str(source_document.pk), document_label(source_document))]
            if source_document is not None
            else []
        )
        f["sort"].choices = list(selectors.SORT_LABELS.items())
        if not data.get("sort"):
            self.data["sort"] = selectors.DEFAULT_SORT

    def full_clean(self):
        """The parser has validated; its messages become the fields' errors."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for name, message in self.parse_errors.items():
            key = name if name in self.fields else "__all__"
            self._errors.setdefault(key, self.error_class()).append(message)


def filter_label(name: str) -> str:
    """The label of a list filter (URL parameter ``name``)."""
    field = TaskFilterForm.base_fields.get(name)
    return str(field.label) if field is not None else name


class _Normalized(BaseChoiceIterator):
    """Choices already in Django's normal form (pairs of strings): Django
    skips normalising an iterator, which for a lazy list it otherwise does
    item by item each time the widget reads it (twice a render)."""

    def __init__(self, items: list[tuple]):
        self.items = items

    def __iter__(self):
        return iter(self.items)


def _lazy_choices(empty_label, provider: Callable[[], list]) -> Callable[[], list]:
    def choices():
        return _Normalized([("", empty_label), *provider()])

    return choices


# --- create / edit -------------------------------------------------------------------


DEADLINE_DATE = "date"
DEADLINE_NONE = "none"
DEADLINE_KINDS = [
    (DEADLINE_DATE, _("By a deadline")),
    (DEADLINE_NONE, _("No deadline")),
    (Task.Recurrence.MONTHLY, _("Recurring: monthly")),
    (Task.Recurrence.QUARTERLY, _("Recurring: quarterly")),
]


class TaskForm(forms.Form):
    """A new task. ``bodies``: the bodies the user may assign tasks in."""

    title = LimitedCharField(label=pgettext_lazy("task", "Title"), max_length=500)
    body = forms.ModelChoiceField(
        label=_("Assigning body"), queryset=Body.objects.none(), empty_label=None
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    source_document = forms.ChoiceField(
        label=_("Source document"),
        required=False,
        help_text=_("The directive, decision or conclusion from the register."),
    )
    source_text = forms.CharField(
        label=_("Source (when not in the register)"),
        required=False,
        max_length=500,
        help_text=_("For example: conclusion of the team meeting of 05/03/2025."),
    )
    assigned_on = DateField(label=_("Assigned on"))
    lead_agency = forms.ChoiceField(label=_("Lead agency"))
    owner = forms.ChoiceField(
        label=_("Person in charge"),
        required=False,
        help_text=_("A member of the body who works at the lead agency."),
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    provinces = forms.MultipleChoiceField(
        label=_("Provinces concerned"), required=False
    )
    is_key = forms.BooleanField(label=_("Key task"), required=False)
    deadline_kind = forms.ChoiceField(
        label=_("Deadline"),
        choices=DEADLINE_KINDS,
        initial=DEADLINE_DATE,
        widget=forms.RadioSelect,
    )
    deadline = DateField(label=_("Deadline date"), required=False)

    def __init__(self, *args, choices: Choices, bodies: list[Body] | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        f = self.fields
        if bodies is None:
            del f["body"]
        else:
            f["body"].queryset = Body.objects.filter(
                pk__in=[b.pk for b in bodies]
            ).order_by("kind", "name")
            if len(bodies) == 1:
                f["body"].widget = forms.HiddenInput()
        f["source_document"] = ObjectChoiceField(
            label=f["source_document"].label,
            help_text=f["source_document"].help_text,
            required=False,
            objects=lambda: choices.documents,
            choices=choices.document_choices,
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["lead_agency"] = ObjectChoiceField(
            label=f["lead_agency"].label,
            help_text=_(
                "One of the team's own agencies. The team cannot assign tasks to "
                "another province or a ministry: ask them to co-operate below."
            ),
            objects=lambda: choices.agencies,
            choices=choices.lead_choices,
            empty_label=_("— choose —"),
            widget=Select(attrs=TOM),
        )
        f["owner"] = ObjectChoiceField(
            label=f["owner"].label,
            help_text=f["owner"].help_text,
            required=False,
            objects=lambda: choices.owners,
            choices=choices.owner_choices,
            empty_label=_("— none —"),
            widget=Select(attrs=TOM),
        )
        f["sector"] = ObjectChoiceField(
            label=f["sector"].label,
            required=False,
            objects=lambda: choices.sectors,
            choices=choices.sector_choices,
            empty_label=_("— none —"),
        )
        f["provinces"] = ObjectMultipleChoiceField(
            label=f["provinces"].label,
            required=False,
            objects=lambda: choices.units,
            choices=choices.unit_choices,
            widget=SelectMultiple(attrs=TOM),
        )

    def clean(self):
        data = super().clean()
        kind = data.get("deadline_kind")
        if kind == DEADLINE_DATE:
            if not data.get("deadline") and "deadline" not in self.errors:
                self.add_error(
                    "deadline",
                    gettext("Enter the deadline, or choose “No deadline”."),
                )
        elif kind:
            data["deadline"] = None
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kind = data["deadline_kind"]
        return {
            "title": data["title"],
            "description": data["description"],
            "source_document": data["source_document"],
            "source_text": data["source_text"],
            "assigned_on": data["assigned_on"],
            "lead_agency": data["lead_agency"],
            "owner": data["owner"],
            "sector": data["sector"],
            "provinces": data["provinces"],
            "is_key": data["is_key"],
            "deadline": data["deadline"] if kind == DEADLINE_DATE else None,
            "recurrence": kind
            if kind in (Task.Recurrence.MONTHLY, Task.Recurrence.QUARTERLY)
            else Task.Recurrence.NONE,
        }


class TaskEditForm(TaskForm):
    """Editing keeps the body, the assigned date and the deadline (changed by
    the "Change deadline" action, which records a reason); it carries the
    version the user read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    recurrence = forms.ChoiceField(
        label=_("Recurrence"), choices=Task.Recurrence.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, bodies=None, **kwargs)
        for name in ("assigned_on", "deadline_kind", "deadline"):
            del self.fields[name]

    def clean(self):
        return forms.Form.clean(self)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "title",
                "description",
                "source_document",
                "source_text",
                "lead_agency",
                "owner",
                "sector",
                "provinces",
                "is_key",
            )
        } | {"recurrence": data.get("recurrence") or Task.Recurrence.NONE}


class PartForm(forms.Form):
    """One co-operating party (an agency, another province's team or a
    ministry: the team asks it to co-operate); a row without one is ignored.
    The field keeps its name ``agency`` (posted as ``parts-N-agency``)."""

    agency = forms.ChoiceField(label=_("Request co-operation from"), required=False)
    description = LimitedCharField(label=_("Its part"), required=False, max_length=500)
    deadline = DateField(label=_("Sub-deadline"), required=False)

    def __init__(self, *args, choices: Choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = PartyChoiceField(
            label=self.fields["agency"].label,
            required=False,
            objects=lambda: choices.parties,
            choices=choices.party_choices,
            empty_label=_("— choose —"),
            widget=Select(attrs=TOM),
        )

    def clean(self):
        data = super().clean()
        if (
            not data.get("agency")
            and (data.get("description") or data.get("deadline"))
            and not data.get("DELETE")
        ):
            self.add_error("agency", gettext("Choose the co-operating agency."))
        return data


class BasePartFormSet(forms.BaseFormSet):
    def __init__(self, *args, choices: Choices, **kwargs):
        self.choices = choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "choices": self.choices}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            choices=self.choices,
        )
        self.add_fields(form, None)
        return form

    def parts(self) -> list[dict]:
        """``[{agency, body, party, description, deadline}]`` for the
        service: ``agency`` or ``body`` (a team) is set, ``party`` is the one
        that is."""
        out = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            party = data.get("agency")
            if data.get("DELETE") or not party:
                continue
            is_team = isinstance(party, Body)
            out.append(
                {
                    "agency": None if is_team else party,
                    "body": party if is_team else None,
                    "party": party,
                    "description": data.get("description") or "",
                    "deadline": data.get("deadline"),
                }
            )
        return out


PartFormSet = forms.formset_factory(
    PartForm, formset=BasePartFormSet, extra=2, can_delete=True, max_num=50
)
PARTS_PREFIX = "parts"


# --- progress and actions ------------------------------------------------------------


class ProgressForm(forms.Form):
    percent = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
    )
    text = forms.CharField(
        label=_("What was done"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Reason (if the progress goes down)"),
        required=False,
        max_length=500,
    )
    reported_on = DateField(
        label=_("Date"), required=False, help_text=_("Empty for today.")
    )
    part = forms.TypedChoiceField(
        label=_("Report on"), coerce=int, required=False, empty_value=None
    )
    files = MultipleFileField(label=_("Files"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parts=(), task_level: bool = True, **kwargs):
        """``parts``: co-operating parts the user reports on; ``task_level``:
        the user may also report on the task itself (lead agency, owner)."""
        super().__init__(*args, **kwargs)
        parts = list(parts)
        field = self.fields["part"]
        if task_level and parts:
            field.choices = [
                ("", _("The whole task (lead agency)")),
                *((p.pk, p.party_name) for p in parts),
            ]
        elif len(parts) > 1:
            field.choices = [(p.pk, p.party_name) for p in parts]
            field.required = True
        else:
            # One part: the service reports on it; none: on the task.
            del self.fields["part"]


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    new_deadline = DateField(label=_("New deadline"), required=False)
    effective_on = DateField(
        label=_("In force from"),
        required=False,
        help_text=_(
            "The date of the decision to change the deadline. Empty for today. "
            "Figures as of earlier days keep the old deadline; it cannot be "
            "before the assigned date."
        ),
    )
    reported_on = DateField(
        label=_("Date the work was done"),
        required=False,
        help_text=_("Empty for today."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    REASON_LABELS = {
        "report_done": _("Closing note (optional)"),
        "reopen": _("What still needs to be done"),
        "cancel": _("Reason for cancelling"),
        "change_deadline": _("Reason for the change"),
    }

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        t = workflow.TRANSITIONS.get(action)
        if action in self.REASON_LABELS:
            self.fields["reason"].label = self.REASON_LABELS[action]
        if t is not None and t.reason_required:
            self.fields["reason"].required = True
        if action == "change_deadline":
            self.fields["new_deadline"].required = True
            self.fields["reason"].help_text = _(
                "Say why, and the document it rests on (number and date), if any."
            )
