"""Writes of inter-provincial matters and their coordination log.

Public names:

- ``matter_create(*, actor, body, title, raised_on, provinces, ...) -> Matter``
  and ``matter_update(*, actor, matter, version, **fields) -> Matter``.
- ``log_add(*, actor, matter, kind, occurred_on, summary, agencies=(),
  bodies=(), document=None, files=()) -> LogEntry``: keeps
  ``Matter.last_logged_on``.
- ``transition(*, actor, matter, action, version=None, resolution="",
  document=None, reason="", on=None) -> Matter`` (``workflow.TRANSITIONS``).
- ``link(*, actor, matter, kind, obj)`` / ``unlink(...)``: a task, proposal or
  key project of the body.

Each checks the actor's right (``PermissionDenied``), validates first
(``ValidationError`` keyed by field, nothing written), checks the version
(``Conflict``) and writes in one transaction with its audit event.
Notifications (``matter_shared``, ``matter_log``) go to the owner and the
concerned provinces' teams; never to the actor.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.core.versioning import check_version, save_bumped
from dieuphoi.org.models import AdministrativeUnit, Agency, Body, Membership
from dieuphoi.paperwork.services import clean_text

from . import permissions, workflow
from .models import TEXT_MAX, LogEntry, Matter

ACTION_LABELS = {
    "matters.create": _("Created the matter"),
    "matters.update": _("Edited the matter"),
    "matters.log_add": _("Added to the coordination log"),
    "matters.transition": _("Changed the state of the matter"),
    "matters.link": _("Linked an item"),
    "matters.unlink": _("Removed a link"),
}
CHANGE_LABELS = {
    "log_entry": _("log entry"),
    "action": _("action"),
    "reason": _("reason"),
    "item": _("item"),
    "resolution": _("resolution"),
}

CODE_MAX = Matter._meta.get_field("code").max_length
TITLE_MAX = Matter._meta.get_field("title").max_length
LINK_KINDS = ("tasks", "proposals", "key_projects")


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- who is told ---------------------------------------------------------------------


def today_units(units: Iterable[AdministrativeUnit]) -> list[int]:
    """The units' ids and their successors' (a 2024 Bắc Giang matter
    concerns the 2025 Bắc Ninh team)."""
    ids = {u.pk for u in units}
    if not ids:
        return []
    more = AdministrativeUnit.predecessors.through.objects.filter(
        to_administrativeunit_id__in=sorted(ids)
    ).values_list("from_administrativeunit_id", flat=True)
    return sorted(ids | set(more))


def concerned_team_people(matter: Matter, on: datetime.date | None = None) -> set[int]:
    """People seated today in the teams of the matter's provinces (not the
    owning body)."""
    units = today_units(matter.provinces.all())
    return set(
        Membership.objects.as_of(on or local_today())
        .filter(body__kind=Body.Kind.TEAM, body__unit_id__in=units)
        .exclude(body_id=matter.body_id)
        .values_list("person_id", flat=True)
    )


def _notify(matter: Matter, people: set[int], *, actor, kind: str, key: str, title):
    from dieuphoi.notifications.services import notify

    people = {p for p in people if p is not None}
    if actor is not None:
        people.discard(getattr(actor, "pk", None))
    if people:
        notify(
            recipients=people,
            kind=kind,
            target=matter,
            title=title,
            url=matter.get_absolute_url(),
            key=key,
        )


# --- validation ------------------------------------------------------------------------


def _validate(
    *,
    body: Body,
    matter: Matter | None,
    code: str,
    title: str,
    description: str,
    raised_on: datetime.date | None,
    provinces: Sequence[AdministrativeUnit],
    agencies: Sequence[Agency],
    raised_by_body: Body | None,
    raised_by_agency: Agency | None,
    competence: str,
    priority: str,
    owner,
    sector,
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if len(code) > CODE_MAX:
        add(
            "code",
            gettext("The code is longer than %(n)d characters.") % {"n": CODE_MAX},
        )
    elif (
        code
        and raised_on is not None
        and (
            Matter.objects.filter(body=body, year=raised_on.year, code__iexact=code)
            .exclude(pk=matter.pk if matter else None)
            .exists()
        )
    ):
        add("code", gettext("Another matter of the team has this code this year."))
    if not title:
        add("title", gettext("Write the matter's title."))
    elif len(title) > TITLE_MAX:
        add(
            "title",
            gettext("The title is longer than %(n)d characters.") % {"n": TITLE_MAX},
        )
    if len(description) > TEXT_MAX:
        add(
            "description",
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX},
        )
    if raised_on is None:
        add("raised_on", gettext("Give the date the matter was raised."))
    elif raised_on > local_today():
        add("raised_on", gettext("The date cannot be in the future."))
    if not provinces:
        add("provinces", gettext("Choose at least one province concerned."))
    elif raised_on is not None:
        for unit in provinces:
            if not unit.is_valid_on(raised_on):
                add(
                    "provinces",
                    gettext("%(unit)s did not exist on %(date)s.")
                    % {"unit": unit, "date": _d(raised_on)},
                )
    if raised_on is not None:
        for agency in agencies:
            if not agency.is_valid_on(raised_on):
                add(
                    "agencies",
                    gettext("%(agency)s did not exist on %(date)s.")
                    % {"agency": agency, "date": _d(raised_on)},
                )
    if raised_by_body is None and raised_by_agency is None:
        add(
            "raised_by_agency",
            gettext("Say who raised the matter: a coordination body or an agency."),
        )
    if raised_on is not None:
        for field, party in (
            ("raised_by_body", raised_by_body),
            ("raised_by_agency", raised_by_agency),
        ):
            if party is not None and not party.is_valid_on(raised_on):
                add(
                    field,
                    gettext("%(agency)s did not exist on %(date)s.")
                    % {"agency": party, "date": _d(raised_on)},
                )
    if competence not in Matter.Competence.values:
        add("competence", gettext("Choose a value from the list."))
    if priority not in Matter.Priority.values:
        add("priority", gettext("Choose a value from the list."))
    if owner is not None and not (
        Membership.objects.as_of(local_today()).filter(body=body, person=owner).exists()
    ):
        add("owner", gettext("The owner must be a member of the team."))
    if errors:
        raise ValidationError(errors)


def _next_code(body: Body, year: int) -> str:
    prefix = f"VD-{year}-"
    taken = set(
        Matter.objects.filter(
            body=body, year=year, code__startswith=prefix
        ).values_list("code", flat=True)
    )
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


# --- create / update ---------------------------------------------------------------------


def matter_create(
    *,
    actor,
    body: Body,
    title: str,
    raised_on: datetime.date | None,
    provinces: Iterable[AdministrativeUnit],
    code: str = "",
    description: str = "",
    sector=None,
    agencies: Iterable[Agency] = (),
    raised_by_body: Body | None = None,
    raised_by_agency: Agency | None = None,
    competence: str = Matter.Competence.CITY,
    priority: str = Matter.Priority.NORMAL,
    owner=None,
) -> Matter:
    """A new matter of ``body`` (its managers); the concerned teams and the
    owner are told."""
    if not permissions.can_manage_body_id(actor, body.pk):
        raise PermissionDenied
    code = clean_text(code, limit=CODE_MAX).strip()
    title = clean_text(title, limit=TITLE_MAX)
    description = clean_text(description, multiline=True, limit=TEXT_MAX)
    provinces = list(dict.fromkeys(provinces))
    agencies = list(dict.fromkeys(agencies))
    _validate(
        body=body,
        matter=None,
        code=code,
        title=title,
        description=description,
        raised_on=raised_on,
        provinces=provinces,
        agencies=agencies,
        raised_by_body=raised_by_body,
        raised_by_agency=raised_by_agency,
        competence=competence,
        priority=priority,
        owner=owner,
        sector=sector,
    )
    with transaction.atomic():
        Body.objects.select_for_update().filter(pk=body.pk).first()
        matter = Matter.objects.create(
            body=body,
            code=code or _next_code(body, raised_on.year),
            year=raised_on.year,
            title=title,
            description=description,
            sector=sector,
            raised_by_body=raised_by_body,
            raised_by_agency=raised_by_agency,
            raised_on=raised_on,
            competence=competence,
            priority=priority,
            owner=owner,
            created_by=_actor(actor),
        )
        matter.provinces.set(provinces)
        matter.agencies.set(agencies)
        audit_record(
            actor=actor,
            action="matters.create",
            target=matter,
            changes={
                "code": {"before": None, "after": matter.code},
                "title": {"before": None, "after": title},
                "provinces": {"before": None, "after": [str(u) for u in provinces]},
            },
        )
        people = concerned_team_people(matter)
        if owner is not None:
            people.add(owner.pk)
        _notify(
            matter,
            people,
            actor=actor,
            kind="matter_shared",
            key=f"matter:{matter.pk}:shared",
            title=lambda m=matter: (
                gettext("An inter-provincial matter concerns you: %(title)s")
                % {"title": f"{m.code} — {m.title[:100]}"}
            ),
        )
    return matter


UPDATE_FIELDS = (
    "code",
    "title",
    "description",
    "sector",
    "raised_by_body",
    "raised_by_agency",
    "raised_on",
    "competence",
    "priority",
    "owner",
)
M2M_FIELDS = ("provinces", "agencies")


def matter_update(*, actor, matter: Matter, version: int | None, **fields) -> Matter:
    """Change the matter's facts (a field left out keeps its value). A stale
    ``version`` raises ``Conflict``. Teams newly concerned are told."""
    if not permissions.can_change_matter(actor, matter):
        raise PermissionDenied
    unknown = set(fields) - {*UPDATE_FIELDS, *M2M_FIELDS}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    new = {name: getattr(matter, name) for name in UPDATE_FIELDS}
    new.update({k: v for k, v in fields.items() if k in UPDATE_FIELDS})
    new["code"] = clean_text(new["code"] or "", limit=CODE_MAX).strip()
    new["title"] = clean_text(new["title"] or "", limit=TITLE_MAX)
    new["description"] = clean_text(
        new["description"] or "", multiline=True, limit=TEXT_MAX
    )
    m2m = {
        name: list(dict.fromkeys(fields[name]))
        if name in fields
        else list(getattr(matter, name).all())
        for name in M2M_FIELDS
    }
    if not new["code"]:
        new["code"] = matter.code
    _validate(
        body=matter.body,
        matter=matter,
        code=new["code"],
        title=new["title"],
        description=new["description"],
        raised_on=new["raised_on"],
        provinces=m2m["provinces"],
        agencies=m2m["agencies"],
        raised_by_body=new["raised_by_body"],
        raised_by_agency=new["raised_by_agency"],
        competence=new["competence"],
        priority=new["priority"],
        owner=new["owner"],
        sector=new["sector"],
    )
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        check_version(locked, version)
        before_people = concerned_team_people(locked)
        changes: dict[str, dict] = {}
        for name in UPDATE_FIELDS:
            before, after = getattr(locked, name), new[name]
            if before != after:
                changes[name] = {
                    "before": None if before is None else str(before),
                    "after": None if after is None else str(after),
                }
            setattr(locked, name, after)
        locked.year = locked.raised_on.year
        for name in M2M_FIELDS:
            before_ids = set(getattr(locked, name).values_list("pk", flat=True))
            after_ids = {o.pk for o in m2m[name]}
            if before_ids != after_ids:
                changes[name] = {
                    "before": sorted(before_ids),
                    "after": sorted(after_ids),
                }
                getattr(locked, name).set(m2m[name])
        save_bumped(locked, [*UPDATE_FIELDS, "year", "updated_at"])
        audit_record(
            actor=actor, action="matters.update", target=locked, changes=changes
        )
        people = concerned_team_people(locked) - before_people
        if "owner" in changes and locked.owner_id:
            people.add(locked.owner_id)
        _notify(
            locked,
            people,
            actor=actor,
            kind="matter_shared",
            key=f"matter:{locked.pk}:shared:v{locked.version}",
            title=lambda m=locked: (
                gettext("An inter-provincial matter concerns you: %(title)s")
                % {"title": f"{m.code} — {m.title[:100]}"}
            ),
        )
    return locked


# --- the log ------------------------------------------------------------------------------


def _party_body_ok(matter: Matter, body: Body, units: set[int]) -> bool:
    if body.pk == matter.body_id or body.kind != Body.Kind.TEAM:
        return True
    return body.unit_id in units


def log_add(
    *,
    actor,
    matter: Matter,
    kind: str,
    occurred_on: datetime.date | None,
    summary: str,
    agencies: Iterable[Agency] = (),
    bodies: Iterable[Body] = (),
    document=None,
    files: Sequence = (),
) -> LogEntry:
    """One step of the coordination log. Whoever may log on the matter
    (its body's members, the concerned teams). A party team must be one of
    the concerned provinces' (or the owning body, the Council); a document
    comes from the body's register."""
    from dieuphoi.docs.services import attachment_add

    if not permissions.can_log(actor, matter):
        raise PermissionDenied
    summary = clean_text(summary, multiline=True, limit=TEXT_MAX)
    agencies = list(dict.fromkeys(agencies))
    bodies = list(dict.fromkeys(bodies))
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if kind not in LogEntry.Kind.values:
        add("kind", gettext("Choose the kind of entry."))
    if occurred_on is None:
        add("occurred_on", gettext("Give the date."))
    elif occurred_on > local_today():
        add("occurred_on", gettext("The date cannot be in the future."))
    elif occurred_on < matter.raised_on:
        add(
            "occurred_on",
            gettext("The matter was raised on %(date)s: the entry cannot be earlier.")
            % {"date": _d(matter.raised_on)},
        )
    if not summary:
        add("summary", gettext("Write what happened."))
    elif len(summary) > TEXT_MAX:
        add(
            "summary",
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX},
        )
    units = set(today_units(matter.provinces.all()))
    for body in bodies:
        if not _party_body_ok(matter, body, units):
            add(
                "bodies",
                gettext("%(body)s is not concerned by this matter.") % {"body": body},
            )
    if document is not None and (
        document.body_id != matter.body_id
        or not permissions.can_see_internals(actor, matter)
    ):
        add("document", gettext("Choose a document of the team's register."))
    if len(files) > 10:
        add("files", gettext("Attach at most 10 files."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        entry = LogEntry.objects.create(
            matter=locked,
            kind=kind,
            occurred_on=occurred_on,
            summary=summary,
            document=document,
            author=_actor(actor),
        )
        entry.agencies.set(agencies)
        entry.bodies.set(bodies)
        for uploaded in files:
            try:
                attachment_add(actor=actor, target=entry, uploaded_file=uploaded)
            except ValidationError as exc:
                raise ValidationError({"files": exc.messages}) from exc
        if locked.last_logged_on is None or occurred_on > locked.last_logged_on:
            # A fresh entry starts the stale count again (and its reminders).
            Matter.objects.filter(pk=locked.pk).update(
                last_logged_on=occurred_on, urge_count=0
            )
            matter.last_logged_on = occurred_on
        audit_record(
            actor=actor,
            action="matters.log_add",
            target=locked,
            changes={
                "log_entry": f"{entry.get_kind_display()} {_d(occurred_on)}",
                "summary": summary[:200],
            },
        )
        people = concerned_team_people(locked)
        if locked.owner_id:
            people.add(locked.owner_id)
        _notify(
            locked,
            people,
            actor=actor,
            kind="matter_log",
            key=f"matter:{locked.pk}:log:{entry.pk}",
            title=lambda m=locked, e=entry: (
                gettext("New in the coordination log of %(code)s: %(kind)s")
                % {"code": m.code, "kind": e.get_kind_display().lower()}
            ),
        )
    entry.matter = matter
    return entry


# --- transitions -----------------------------------------------------------------------------


def transition(
    *,
    actor,
    matter: Matter,
    action: str,
    version: int | None = None,
    resolution: str = "",
    document=None,
    reason: str = "",
    on: datetime.date | None = None,
) -> Matter:
    """Move the matter along ``workflow.TRANSITIONS``. Resolve needs the
    resolution text (and optionally a document of the register); escalate
    and reopen need a reason."""
    on = on or local_today()
    step = workflow.TRANSITIONS.get(action)
    if step is None:
        raise ValidationError({"action": [gettext("Unknown action.")]})
    if not permissions.can_view_matter(actor, matter):
        raise PermissionDenied
    if not workflow.holds(actor, matter, step.who):
        raise PermissionDenied
    if matter.state not in step.sources:
        raise ValidationError(
            {
                "action": [
                    gettext("This cannot be done while the matter is %(state)s.")
                    % {"state": matter.get_state_display().lower()}
                ]
            }
        )
    resolution = clean_text(resolution, multiline=True, limit=TEXT_MAX)
    reason = clean_text(reason, multiline=True, limit=TEXT_MAX)
    errors: dict[str, list[str]] = {}
    if step.needs == "resolution":
        if not resolution:
            errors["resolution"] = [gettext("Write how the matter was resolved.")]
        elif len(resolution) > TEXT_MAX:
            errors["resolution"] = [
                gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX}
            ]
        if document is not None and (
            document.body_id != matter.body_id
            or not actor.has_perm("docs.view_document", document)
        ):
            errors["document"] = [gettext("Choose a document of the team's register.")]
    if step.needs == "reason":
        if not reason:
            errors["reason"] = [gettext("Give the reason.")]
        elif len(reason) > TEXT_MAX:
            errors["reason"] = [
                gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        check_version(locked, version)
        if locked.state not in step.sources:
            raise ValidationError(
                {"action": [gettext("The matter has moved on; reload the page.")]}
            )
        before = locked.state
        locked.state = step.target
        fields = ["state", "updated_at"]
        changes: dict = {
            "state": {"before": before, "after": step.target},
            "action": action,
        }
        if action == "resolve":
            locked.resolution = resolution
            locked.resolution_document = document
            locked.resolved_on = on
            fields += ["resolution", "resolution_document", "resolved_on"]
            changes["resolution"] = resolution[:200]
        elif action == "escalate":
            locked.escalation_reason = reason
            fields.append("escalation_reason")
            changes["reason"] = reason[:200]
        elif action == "reopen":
            locked.resolved_on = None
            fields.append("resolved_on")
            changes["reason"] = reason[:200]
        save_bumped(locked, fields)
        audit_record(
            actor=actor, action="matters.transition", target=locked, changes=changes
        )
        people = concerned_team_people(locked)
        if locked.owner_id:
            people.add(locked.owner_id)
        _notify(
            locked,
            people,
            actor=actor,
            kind="matter_log",
            key=f"matter:{locked.pk}:state:v{locked.version}",
            title=lambda m=locked: (
                gettext("%(code)s is now %(state)s")
                % {"code": m.code, "state": m.get_state_display().lower()}
            ),
        )
    return locked


# --- links --------------------------------------------------------------------------------


def _check_link(matter: Matter, kind: str, obj) -> None:
    if kind not in LINK_KINDS:
        raise ValidationError({"kind": [gettext("Unknown kind of link.")]})
    if obj is None or getattr(obj, "body_id", None) != matter.body_id:
        raise ValidationError({"item": [gettext("Link items of the team only.")]})


def link(*, actor, matter: Matter, kind: str, obj) -> None:
    """Link a task, proposal or key project of the body (its managers)."""
    if not permissions.can_change_matter(actor, matter):
        raise PermissionDenied
    _check_link(matter, kind, obj)
    with transaction.atomic():
        related = getattr(matter, kind)
        if related.filter(pk=obj.pk).exists():
            return
        related.add(obj)
        audit_record(
            actor=actor,
            action="matters.link",
            target=matter,
            changes={"item": str(obj)[:200]},
        )


def unlink(*, actor, matter: Matter, kind: str, obj) -> None:
    if not permissions.can_change_matter(actor, matter):
        raise PermissionDenied
    _check_link(matter, kind, obj)
    with transaction.atomic():
        related = getattr(matter, kind)
        if not related.filter(pk=obj.pk).exists():
            return
        related.remove(obj)
        audit_record(
            actor=actor,
            action="matters.unlink",
            target=matter,
            changes={"item": str(obj)[:200]},
        )
