"""Writes to the registry. Each service validates, writes and records an
audit event in one transaction, and raises ``ValidationError`` keyed by field.

Memberships use optimistic locking: callers pass the ``version`` they read;
a stale one raises ``Conflict`` (HTTP 409 in the API, a message in the UI).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.services import audit_record, diff
from dieuphoi.core.models import local_today

from . import permissions
from .models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    Body,
    DutyAssignment,
    Membership,
)

ACTION_LABELS = {
    "org.membership_create": gettext_lazy("Added a member"),
    "org.membership_update": gettext_lazy("Changed a membership"),
    "org.membership_end": gettext_lazy("Ended a membership"),
    "org.duty_assign": gettext_lazy("Assigned duties"),
    "org.unit_create": gettext_lazy("Added an administrative unit"),
    "org.unit_update": gettext_lazy("Changed an administrative unit"),
    "org.agency_create": gettext_lazy("Added an agency"),
    "org.agency_update": gettext_lazy("Changed an agency"),
    "org.body_update": gettext_lazy("Changed the body"),
    "org.succession_create": gettext_lazy("Recorded an agency succession"),
    "org.succession_handover": gettext_lazy(
        "Handed the open tasks over to the successor"
    ),
    "org.admin_create": gettext_lazy("Added in the administration"),
    "org.admin_update": gettext_lazy("Changed in the administration"),
    "org.admin_delete": gettext_lazy("Deleted in the administration"),
}

MEMBERSHIP_EDITABLE = (
    "role",
    "agency",
    "position",
    "is_part_time",
    "valid_from",
    "valid_to",
    "appointing_document",
    "legal_basis",
)
UNIT_EDITABLE = (
    "key",
    "name",
    "kind",
    "valid_from",
    "valid_to",
    "legal_basis",
    "absorbed_note",
    "predecessors",
)
AGENCY_EDITABLE = (
    "code",
    "name",
    "short_name",
    "kind",
    "unit",
    "valid_from",
    "valid_to",
    "legal_basis",
    "predecessors",
)
BODY_EDITABLE = (
    "name",
    "short_name",
    "kind",
    "unit",
    "parent",
    "establishing_document",
    "description",
    "symbol",
    "valid_from",
    "valid_to",
    "legal_basis",
)


# --- helpers ----------------------------------------------------------------


def _d(value: datetime.date | None) -> str:
    return formats.date_format(value, "d/m/Y") if value else "…"


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "repr": str(obj)[:200]}


def _value(instance, name: str):
    """A field's value as the audit trail stores it: readable and JSON-safe."""
    if name == "predecessors":
        if instance.pk is None:
            return []
        return [_ref(p) for p in instance.predecessors.order_by("name", "valid_from")]
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if field.is_relation:
        return _ref(value)
    if field.choices and value:
        return {"id": value, "repr": str(getattr(instance, f"get_{name}_display")())}
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def audit_state(instance, fields: Iterable[str]) -> dict:
    """Readable, JSON-safe values of ``fields`` for ``diff`` and the audit trail."""
    return {name: _value(instance, name) for name in fields}


class _Errors:
    """Field errors collected before raising them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(message)

    def merge(self, exc: ValidationError) -> None:
        for field, messages in exc.update_error_dict({}).items():
            for message in messages:
                if message not in self.errors.get(field, []):
                    self.add(field, message)

    def full_clean(self, instance, exclude: Iterable[str] = ()) -> None:
        try:
            instance.full_clean(exclude=list(exclude))
        except ValidationError as exc:
            self.merge(exc)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _check_editable(data: dict, editable: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(editable))
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in unknown}
        )


def _lock_membership(membership: Membership, version: int | None) -> Membership:
    current = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "body", "agency", "appointing_document")
        .get(pk=membership.pk)
    )
    if version is not None and current.version != version:
        raise Conflict(
            _(
                "Someone else changed this membership after you opened it. "
                "Review the current values and save again."
            ),
            current_version=current.version,
        )
    return current


# --- memberships ------------------------------------------------------------


def membership_validate(membership: Membership) -> None:
    """All membership rules; raises ``ValidationError`` keyed by field.

    Used by the services and by the admin form, so both enforce the same rules.
    """
    errors = _Errors()
    errors.full_clean(membership, exclude=["version"])
    start, end = membership.valid_from, membership.valid_to
    body = membership.body
    if membership.agency_id is None and "agency" not in errors.errors:
        errors.add("agency", _("Choose the member's home agency."))
    if membership.person_id and not membership.person.is_active:
        errors.add("person", _("This account is disabled."))
    if isinstance(start, datetime.date):
        if membership.agency_id and not membership.agency.is_valid_on(start):
            errors.add(
                "agency",
                _(
                    "%(agency)s did not exist on %(date)s (valid from %(start)s to %(end)s)."
                )
                % {
                    "agency": membership.agency,
                    "date": _d(start),
                    "start": _d(membership.agency.valid_from),
                    "end": _d(membership.agency.valid_to),
                },
            )
        if not body.is_valid_on(start):
            errors.add(
                "valid_from",
                _("%(body)s did not exist on %(date)s.")
                % {"body": body, "date": _d(start)},
            )
        ok_end = end is None or not isinstance(end, datetime.date) or end >= start
        if ok_end:
            _check_overlaps(membership, errors)
    document = membership.appointing_document
    if document is not None and document.body_id != body.pk:
        errors.add(
            "appointing_document",
            _("Choose a document from this body's register."),
        )
    errors.raise_any()


def _check_overlaps(membership: Membership, errors: _Errors) -> None:
    others = (
        Membership.objects.filter(body_id=membership.body_id)
        .exclude(pk=membership.pk)
        .overlapping(membership.valid_from, membership.valid_to)
        .select_related("person")
    )
    if membership.role in Membership.SINGLE_HOLDER_ROLES:
        holder = others.filter(role=membership.role).order_by("valid_from").first()
        if holder is not None:
            errors.add(
                "valid_from",
                _(
                    "%(person)s holds the role %(role)s from %(start)s to %(end)s; "
                    "only one person may hold it at a time. End that membership first."
                )
                % {
                    "person": holder.person,
                    "role": membership.get_role_display(),
                    "start": _d(holder.valid_from),
                    "end": _d(holder.valid_to),
                },
            )
            return
    if others.filter(person_id=membership.person_id, role=membership.role).exists():
        errors.add(
            "valid_from",
            _("This person already holds this role in the body for overlapping dates."),
        )


def _after_role_change(*people) -> None:
    for person in people:
        if person is not None:
            permissions.clear_role_cache(person)


@transaction.atomic
def membership_create(
    *,
    actor,
    body: Body,
    person,
    role: str,
    agency: Agency | None,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    position: str = "",
    is_part_time: bool = True,
    duties: str = "",
    appointing_document=None,
    legal_basis: str = "",
) -> Membership:
    """Add ``person`` to ``body``. Leader and deputy have one holder at a time.

    Locks the body row so two concurrent appointments cannot both pass the
    one-holder check.
    """
    Body.objects.select_for_update().filter(pk=body.pk).first()
    membership = Membership(
        person=person,
        body=body,
        role=role,
        agency=agency,
        valid_from=valid_from,
        valid_to=valid_to,
        position=(position or "").strip(),
        is_part_time=is_part_time,
        duties=(duties or "").strip(),
        appointing_document=appointing_document,
        legal_basis=(legal_basis or "").strip(),
    )
    membership_validate(membership)
    membership.save()
    if membership.duties:
        DutyAssignment.objects.create(
            membership=membership,
            text=membership.duties,
            assigned_on=valid_from,
            assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
            document=appointing_document,
        )
    fields = ("person", *MEMBERSHIP_EDITABLE, "duties")
    audit_record(
        actor=actor,
        action="org.membership_create",
        target=membership,
        changes=diff({}, audit_state(membership, fields)),
    )
    _after_role_change(actor, person)
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: Membership, version: int, data: dict
) -> Membership:
    """Change the editable fields in ``data``; raises ``Conflict`` on a stale version."""
    _check_editable(data, MEMBERSHIP_EDITABLE)
    Body.objects.select_for_update().filter(pk=membership.body_id).first()
    current = _lock_membership(membership, version)
    before = audit_state(current, MEMBERSHIP_EDITABLE)
    for name, value in data.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    membership_validate(current)
    changes = diff(before, audit_state(current, MEMBERSHIP_EDITABLE))
    if not changes:
        return current
    current.version += 1
    current.save()
    audit_record(
        actor=actor, action="org.membership_update", target=current, changes=changes
    )
    _after_role_change(actor, current.person)
    return current


@transaction.atomic
def membership_end(
    *,
    actor,
    membership: Membership,
    valid_to: datetime.date,
    version: int | None = None,
) -> Membership:
    """End the membership on ``valid_to`` (its last day)."""
    current = _lock_membership(membership, version)
    errors = _Errors()
    if current.valid_to is not None and current.valid_to <= valid_to:
        errors.add(
            "valid_to",
            _("This membership already ended on %(date)s.")
            % {"date": _d(current.valid_to)},
        )
        errors.raise_any()
    before = audit_state(current, ["valid_to"])
    current.valid_to = valid_to
    errors.full_clean(current, exclude=["version"])
    errors.raise_any()
    current.version += 1
    current.save(update_fields=["valid_to", "version"])
    audit_record(
        actor=actor,
        action="org.membership_end",
        target=current,
        changes=diff(before, audit_state(current, ["valid_to"])),
    )
    _after_role_change(actor, current.person)
    return current


@transaction.atomic
def duty_assign(
    *,
    actor,
    membership: Membership,
    text: str,
    assigned_on: datetime.date | None = None,
    document=None,
    version: int | None = None,
) -> DutyAssignment:
    """Record the leader's assignment of duties and make it the member's current duties."""
    current = _lock_membership(membership, version)
    assignment = DutyAssignment(
        membership=current,
        text=(text or "").strip(),
        assigned_on=assigned_on or local_today(),
        assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
        document=document,
    )
    errors = _Errors()
    errors.full_clean(assignment)
    if document is not None and document.body_id != current.body_id:
        errors.add("document", _("Choose a document from this body's register."))
    if isinstance(assignment.assigned_on, datetime.date) and (
        assignment.assigned_on < current.valid_from
    ):
        errors.add(
            "assigned_on",
            _("Duties cannot be assigned before the membership starts (%(date)s).")
            % {"date": _d(current.valid_from)},
        )
    errors.raise_any()
    assignment.save()
    before = {"duties": current.duties}
    current.duties = assignment.text
    current.version += 1
    current.save(update_fields=["duties", "version"])
    audit_record(
        actor=actor,
        action="org.duty_assign",
        target=current,
        changes=diff(before, {"duties": current.duties}),
    )
    return assignment


# --- units, agencies, bodies (administrators) -------------------------------


def _validate_version_row(
    instance, *, key_field: str, predecessors: Iterable | None, errors: _Errors
) -> None:
    """Versions of one key do not overlap; predecessors are older rows."""
    model = type(instance)
    errors.full_clean(instance)
    start, end = instance.valid_from, instance.valid_to
    if not isinstance(start, datetime.date) or (
        isinstance(end, datetime.date) and end < start
    ):
        return
    key = getattr(instance, key_field)
    if not key:
        return
    same_key = model.objects.filter(**{key_field: key}).exclude(pk=instance.pk)
    clash = same_key.overlapping(start, end).order_by("valid_from").first()
    if clash is not None:
        errors.errors.pop("__all__", None)  # the unique-constraint twin of this error
        errors.add(
            "valid_from",
            _(
                "Another version of %(key)s is valid from %(start)s to %(end)s; "
                "versions must not overlap."
            )
            % {"key": key, "start": _d(clash.valid_from), "end": _d(clash.valid_to)},
        )
    for pred in predecessors or ():
        if pred.pk is not None and pred.pk == instance.pk:
            errors.add("predecessors", _("A row cannot be its own predecessor."))
        elif pred.valid_from >= start:
            errors.add(
                "predecessors",
                _("%(name)s starts on %(date)s, not before this version.")
                % {"name": pred, "date": _d(pred.valid_from)},
            )


def _create_versioned(*, actor, instance, key_field, fields, predecessors, action):
    predecessors = list(predecessors or ())
    errors = _Errors()
    _validate_version_row(
        instance, key_field=key_field, predecessors=predecessors, errors=errors
    )
    errors.raise_any()
    instance.save()
    if predecessors:
        instance.predecessors.set(predecessors)
    audit_record(
        actor=actor,
        action=action,
        target=instance,
        changes=diff({}, audit_state(instance, fields)),
    )
    return instance


def _update_versioned(*, actor, instance, key_field, fields, data, action):
    _check_editable(data, fields)
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    before = audit_state(current, fields)
    data = dict(data)
    predecessors = data.pop("predecessors", None)
    for name, value in data.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    errors = _Errors()
    checked = (
        list(predecessors)
        if predecessors is not None
        else list(current.predecessors.all())
    )
    _validate_version_row(
        current, key_field=key_field, predecessors=checked, errors=errors
    )
    errors.raise_any()
    current.save()
    if predecessors is not None:
        current.predecessors.set(checked)
    changes = diff(before, audit_state(current, fields))
    if changes:
        audit_record(actor=actor, action=action, target=current, changes=changes)
    return current


@transaction.atomic
def unit_create(
    *,
    actor,
    key: str,
    name: str,
    kind: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    legal_basis: str = "",
    absorbed_note: str = "",
    predecessors: Iterable[AdministrativeUnit] = (),
) -> AdministrativeUnit:
    unit = AdministrativeUnit(
        key=(key or "").strip(),
        name=(name or "").strip(),
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        legal_basis=(legal_basis or "").strip(),
        absorbed_note=(absorbed_note or "").strip(),
    )
    return _create_versioned(
        actor=actor,
        instance=unit,
        key_field="key",
        fields=UNIT_EDITABLE,
        predecessors=predecessors,
        action="org.unit_create",
    )


@transaction.atomic
def unit_update(*, actor, unit: AdministrativeUnit, data: dict) -> AdministrativeUnit:
    return _update_versioned(
        actor=actor,
        instance=unit,
        key_field="key",
        fields=UNIT_EDITABLE,
        data=data,
        action="org.unit_update",
    )


@transaction.atomic
def agency_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    valid_from: datetime.date,
    short_name: str = "",
    unit: AdministrativeUnit | None = None,
    valid_to: datetime.date | None = None,
    legal_basis: str = "",
    predecessors: Iterable[Agency] = (),
) -> Agency:
    agency = Agency(
        code=(code or "").strip(),
        name=(name or "").strip(),
        short_name=(short_name or "").strip(),
        kind=kind,
        unit=unit,
        valid_from=valid_from,
        valid_to=valid_to,
        legal_basis=(legal_basis or "").strip(),
    )
    return _create_versioned(
        actor=actor,
        instance=agency,
        key_field="code",
        fields=AGENCY_EDITABLE,
        predecessors=predecessors,
        action="org.agency_create",
    )


@transaction.atomic
def agency_update(*, actor, agency: Agency, data: dict) -> Agency:
    return _update_versioned(
        actor=actor,
        instance=agency,
        key_field="code",
        fields=AGENCY_EDITABLE,
        data=data,
        action="org.agency_update",
    )


@transaction.atomic
def body_update(*, actor, body: Body, data: dict) -> Body:
    """Administrators change a body's own record (not its members)."""
    _check_editable(data, BODY_EDITABLE)
    current = Body.objects.select_for_update().get(pk=body.pk)
    before = audit_state(current, BODY_EDITABLE)
    for name, value in data.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    errors = _Errors()
    errors.full_clean(current)
    if current.parent_id is not None and current.parent_id == current.pk:
        errors.add("parent", _("A body cannot be its own parent."))
    errors.raise_any()
    changes = diff(before, audit_state(current, BODY_EDITABLE))
    if not changes:
        return current
    current.save()
    audit_record(actor=actor, action="org.body_update", target=current, changes=changes)
    return current


# --- agency successions ----------------------------------------------------------

SUCCESSION_BASIS_MAX = 255


def succession_validate(
    *,
    kind: str,
    on: datetime.date | None,
    predecessors: list[Agency],
    successors: list[Agency],
    basis: str = "",
    exclude_pk: int | None = None,
) -> dict[str, list]:
    """Field errors of a succession (empty when it is valid)."""
    errors = _Errors()
    K = AgencySuccession.Kind
    if kind not in K.values:
        errors.add("kind", _("Choose the kind of succession."))
    if on is None:
        errors.add("on", _("Enter the date the succession took effect."))
    if not predecessors:
        errors.add("predecessors", _("Choose the agencies that were succeeded."))
    if not successors:
        errors.add("successors", _("Choose the successor agencies."))
    both = {a.pk for a in predecessors} & {a.pk for a in successors}
    if both:
        errors.add(
            "successors",
            _("An agency cannot succeed itself: %(names)s.")
            % {"names": ", ".join(str(a) for a in successors if a.pk in both)},
        )
    if kind in (K.MERGER, K.RENAMING) and len(successors) > 1:
        errors.add("successors", _("A merger or a renaming has one successor."))
    if kind in (K.SPLIT, K.RENAMING) and len(predecessors) > 1:
        errors.add("predecessors", _("A split or a renaming has one predecessor."))
    if kind == K.SPLIT and successors and len(successors) < 2:
        errors.add("successors", _("A split has at least two successors."))
    if len(basis or "") > SUCCESSION_BASIS_MAX:
        errors.add(
            "basis",
            _("The legal basis is too long (at most %(max)s characters).")
            % {"max": SUCCESSION_BASIS_MAX},
        )
    if on is not None:
        for agency in successors:
            if not agency.is_valid_on(on):
                errors.add(
                    "successors",
                    _("%(agency)s does not exist on %(date)s.")
                    % {"agency": agency, "date": _d(on)},
                )
        day_before = on - datetime.timedelta(days=1)
        for agency in predecessors:
            if not agency.is_valid_on(day_before):
                errors.add(
                    "predecessors",
                    _("%(agency)s did not exist on %(date)s, the day before.")
                    % {"agency": agency, "date": _d(day_before)},
                )
            # Only a transfer of functions leaves the predecessor in place.
            elif kind != K.TRANSFER and agency.is_valid_on(on):
                errors.add(
                    "predecessors",
                    _(
                        "%(agency)s still exists on %(date)s: end it first, or "
                        "record a transfer of functions."
                    )
                    % {"agency": agency, "date": _d(on)},
                )
        taken = (
            AgencySuccession.objects.filter(predecessors__in=predecessors)
            .exclude(kind=K.TRANSFER)
            .exclude(pk=exclude_pk)
        )
        if kind != K.TRANSFER and taken.exists():
            errors.add(
                "predecessors",
                _("One of these agencies already has a recorded successor."),
            )
    return errors.errors


@transaction.atomic
def succession_create(
    *,
    actor,
    kind: str,
    on: datetime.date,
    predecessors: Iterable[Agency],
    successors: Iterable[Agency],
    document=None,
    basis: str = "",
    note: str = "",
) -> AgencySuccession:
    """Record that ``successors`` took over from ``predecessors`` on ``on``.

    Also links each successor to the predecessors (``Agency.predecessors``),
    which lineage filters and statistics follow. Raises ``ValidationError``
    keyed by field; nothing is written then.
    """
    predecessors = list(dict.fromkeys(predecessors))
    successors = list(dict.fromkeys(successors))
    basis = " ".join((basis or "").split())
    errors = succession_validate(
        kind=kind,
        on=on,
        predecessors=predecessors,
        successors=successors,
        basis=basis,
    )
    if errors:
        raise ValidationError(errors)
    succession = AgencySuccession(
        kind=kind, on=on, document=document, basis=basis, note=(note or "").strip()
    )
    succession.full_clean()
    succession.save()
    succession.predecessors.set(predecessors)
    succession.successors.set(successors)
    for successor in successors:
        successor.predecessors.add(*predecessors)
    audit_record(
        actor=actor,
        action="org.succession_create",
        target=succession,
        changes={
            "kind": kind,
            "on": on,
            "predecessors": [a.pk for a in predecessors],
            "successors": [a.pk for a in successors],
            "document": document.pk if document is not None else None,
            "basis": basis,
        },
    )
    return succession
