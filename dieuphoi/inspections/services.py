"""Writes of inspections and their findings.

Public names:

- ``inspection_create(*, actor, body, title, planned_on, subject_agencies,
  ...) -> Inspection`` and ``inspection_update(*, actor, inspection,
  version, **fields) -> Inspection``.
- ``inspection_transition(*, actor, inspection, action, version=None)``:
  one step of ``workflow.TRANSITIONS``.
- ``finding_add(*, actor, inspection, description, severity, recommendation,
  agency, deadline, files=()) -> Finding``.
- ``finding_convert(*, actor, finding, on=None) -> Task``: the finding's
  recommendation becomes a follow-up task of its agency, once;
  ``findings_convert_all(*, actor, inspection) -> list[Task]`` does it for
  every finding not yet converted, in one transaction (all or nothing).
- ``conclusion_create(*, actor, inspection) -> Paper``: the Thông báo kết
  luận drafted by the documents engine from the findings.

Each checks that ``actor`` manages the inspection's body
(``PermissionDenied``), validates first (``ValidationError`` keyed by
field, nothing written), checks the ``version`` (``Conflict``) where one is
given, and writes in one transaction with its audit event (finding events
are recorded on the inspection, so its history shows them).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.core.validation import raise_field_errors
from dieuphoi.core.versioning import check_version, save_bumped
from dieuphoi.org.models import Agency, Body
from dieuphoi.org.permissions import can_manage_body
from dieuphoi.org.selectors import body_leader
from dieuphoi.paperwork.services import clean_text
from dieuphoi.tasks.services import lead_agency_error

from . import workflow
from .models import TEXT_MAX, Finding, Inspection

ACTION_LABELS = {
    "inspections.create": _("Planned the inspection"),
    "inspections.update": _("Edited the inspection"),
    "inspections.transition": _("Changed the inspection's state"),
    "inspections.finding_add": _("Recorded a finding"),
    "inspections.finding_convert": _("Turned a recommendation into a task"),
    "inspections.conclusion": _("Drafted the conclusion document"),
}

CHANGE_LABELS = {
    "finding": _("finding"),
    "severity": _("severity"),
    "task": _("follow-up task"),
    "subject_agencies": _("inspected agencies"),
    "period_from": _("period inspected from"),
    "period_to": _("period inspected to"),
    "visit_from": _("visit from"),
    "visit_to": _("visit to"),
    "external_members": _("other members"),
    "conclusion_paper": _("conclusion document"),
    "plan_document": _("plan document"),
}

CODE_MAX = Inspection._meta.get_field("code").max_length
TITLE_MAX = Inspection._meta.get_field("title").max_length
PLACE_MAX = Inspection._meta.get_field("place").max_length
EXTERNAL_MAX = 2000
CODE_PREFIX = {Inspection.Kind.INSPECTION: "KT", Inspection.Kind.SUPERVISION: "GS"}
# The conclusion is a Thông báo (kết luận kiểm tra) of the documents engine.
CONCLUSION_KIND = "thong-bao"
SEVERITY_TEXT = {
    Finding.Severity.LOW: "Thấp",
    Finding.Severity.MEDIUM: "Trung bình",
    Finding.Severity.HIGH: "Cao",
    Finding.Severity.SERIOUS: "Nghiêm trọng",
}


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _require_manager(actor, body_id: int) -> None:
    if not can_manage_body(actor, body_id):
        raise PermissionDenied


def next_code(body: Body, kind: str, year: int) -> str:
    """``KT-2026-03``: the next free number of the kind in the body's year."""
    prefix = f"{CODE_PREFIX.get(kind, 'KT')}-{year}-"
    taken = set(
        Inspection.objects.filter(
            body=body, year=year, code__istartswith=prefix
        ).values_list("code", flat=True)
    )
    n = 1
    while f"{prefix}{n:02d}".upper() in {c.upper() for c in taken}:
        n += 1
    return f"{prefix}{n:02d}"


# --- inspections -------------------------------------------------------------------


def _validate_inspection(
    *,
    body: Body,
    inspection: Inspection | None,
    kind: str,
    code: str,
    title: str,
    planned_on: datetime.date | None,
    subject_agencies: Sequence[Agency],
    scope: str,
    period_from: datetime.date | None,
    period_to: datetime.date | None,
    leader,
    members: Sequence,
    external_members: str,
    visit_from: datetime.datetime | None,
    visit_to: datetime.datetime | None,
    place: str,
    plan_document,
    matters: Sequence = (),
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if kind not in Inspection.Kind.values:
        add("kind", gettext("Choose inspection or supervision."))
    if not title:
        add("title", gettext("Write the inspection's title."))
    elif len(title) > TITLE_MAX:
        add(
            "title",
            gettext("The title is longer than %(n)d characters.") % {"n": TITLE_MAX},
        )
    if planned_on is None:
        add("planned_on", gettext("Give the date of the plan."))
    if len(code) > CODE_MAX:
        add(
            "code",
            gettext("The code is longer than %(n)d characters.") % {"n": CODE_MAX},
        )
    elif code and planned_on is not None:
        clash = Inspection.objects.filter(
            body=body, year=planned_on.year, code__iexact=code
        ).exclude(pk=inspection.pk if inspection else None)
        if clash.exists():
            add(
                "code",
                gettext("Another inspection of the team in %(year)s has this code.")
                % {"year": planned_on.year},
            )
    if not subject_agencies:
        add("subject_agencies", gettext("Choose the inspected agencies."))
    for agency in subject_agencies:
        if planned_on is not None and not agency.is_valid_on(planned_on):
            add(
                "subject_agencies",
                gettext("%(agency)s did not exist on %(date)s.")
                % {"agency": agency, "date": _d(planned_on)},
            )
            continue
        message = lead_agency_error(body, agency)
        if message:
            add("subject_agencies", message)
    if len(scope) > TEXT_MAX:
        add(
            "scope",
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX},
        )
    if period_from and period_to and period_to < period_from:
        add("period_to", gettext("The end of the period is before its start."))
    if leader is not None and not leader.is_active:
        add("leader", gettext("This account is disabled."))
    if any(not m.is_active for m in members):
        add("members", gettext("A disabled account cannot be on the team."))
    if len(external_members) > EXTERNAL_MAX:
        add(
            "external_members",
            gettext("The text is longer than %(n)d characters.") % {"n": EXTERNAL_MAX},
        )
    if visit_from and visit_to and visit_to < visit_from:
        add("visit_to", gettext("The visit ends before it starts."))
    if visit_to and not visit_from:
        add("visit_from", gettext("Give the start of the visit."))
    if len(place) > PLACE_MAX:
        add(
            "place",
            gettext("The text is longer than %(n)d characters.") % {"n": PLACE_MAX},
        )
    if plan_document is not None and plan_document.body_id != body.pk:
        add("plan_document", gettext("Choose a document of the team's register."))
    if any(m.body_id != body.pk for m in matters):
        add("matters", gettext("Link matters of the team only."))
    raise_field_errors(errors)


def _clean_fields(fields: dict) -> dict:
    out = dict(fields)
    out["code"] = clean_text(out.get("code") or "", limit=CODE_MAX).strip().upper()
    out["title"] = clean_text(out.get("title") or "", limit=TITLE_MAX)
    out["scope"] = clean_text(out.get("scope") or "", multiline=True, limit=TEXT_MAX)
    out["external_members"] = clean_text(
        out.get("external_members") or "", multiline=True, limit=EXTERNAL_MAX
    )
    out["place"] = clean_text(out.get("place") or "", limit=PLACE_MAX)
    out["subject_agencies"] = list(dict.fromkeys(out.get("subject_agencies") or ()))
    leader = out.get("leader")
    out["members"] = [m for m in dict.fromkeys(out.get("members") or ()) if m != leader]
    out["matters"] = list(dict.fromkeys(out.get("matters") or ()))
    for name in ("visit_from", "visit_to"):
        # A time without a zone is Asia/Ho_Chi_Minh's (the current zone).
        value = out.get(name)
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            out[name] = timezone.make_aware(value)
    return out


def inspection_create(
    *,
    actor,
    body: Body,
    title: str,
    planned_on: datetime.date | None,
    subject_agencies: Iterable[Agency],
    kind: str = Inspection.Kind.INSPECTION,
    code: str = "",
    scope: str = "",
    period_from: datetime.date | None = None,
    period_to: datetime.date | None = None,
    leader=None,
    members: Iterable = (),
    external_members: str = "",
    visit_from: datetime.datetime | None = None,
    visit_to: datetime.datetime | None = None,
    place: str = "",
    plan_document=None,
    matters: Iterable = (),
) -> Inspection:
    """A new inspection plan of ``body`` (its managers). ``code`` left empty:
    the next ``KT-<year>-NN`` (``GS-`` for a supervision)."""
    _require_manager(actor, body.pk)
    data = _clean_fields(
        {
            "kind": kind,
            "code": code,
            "title": title,
            "planned_on": planned_on,
            "subject_agencies": subject_agencies,
            "scope": scope,
            "period_from": period_from,
            "period_to": period_to,
            "leader": leader,
            "members": members,
            "external_members": external_members,
            "visit_from": visit_from,
            "visit_to": visit_to,
            "place": place,
            "plan_document": plan_document,
            "matters": matters,
        }
    )
    _validate_inspection(body=body, inspection=None, **data)
    with transaction.atomic():
        if not data["code"]:
            data["code"] = next_code(body, data["kind"], planned_on.year)
        agencies = data.pop("subject_agencies")
        team = data.pop("members")
        matters = data.pop("matters")
        inspection = Inspection.objects.create(
            body=body, year=planned_on.year, created_by=_actor(actor), **data
        )
        inspection.subject_agencies.set(agencies)
        inspection.members.set(team)
        inspection.matters.set(matters)
        audit_record(
            actor=actor,
            action="inspections.create",
            target=inspection,
            changes={
                "code": {"before": None, "after": inspection.code},
                "title": {"before": None, "after": inspection.title},
                "subject_agencies": {
                    "before": None,
                    "after": sorted(a.pk for a in agencies),
                },
            },
        )
    return inspection


UPDATE_FIELDS = (
    "kind",
    "code",
    "title",
    "planned_on",
    "scope",
    "period_from",
    "period_to",
    "leader",
    "external_members",
    "visit_from",
    "visit_to",
    "place",
    "plan_document",
)
M2M_FIELDS = ("subject_agencies", "members", "matters")


def inspection_update(
    *, actor, inspection: Inspection, version: int | None, **fields
) -> Inspection:
    """Change the plan (``UPDATE_FIELDS`` and ``M2M_FIELDS``; a field left
    out keeps its value). Until the inspection is concluded. An inspected
    agency that already has a finding stays. A stale ``version`` raises
    ``Conflict``."""
    _require_manager(actor, inspection.body_id)
    unknown = set(fields) - {*UPDATE_FIELDS, *M2M_FIELDS}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if inspection.state not in workflow.EDITABLE_STATES:
        raise ValidationError(
            {"state": [gettext("A concluded or closed inspection cannot be edited.")]}
        )
    current = {name: getattr(inspection, name) for name in UPDATE_FIELDS}
    current["subject_agencies"] = list(inspection.subject_agencies.all())
    current["members"] = list(inspection.members.all())
    current["matters"] = list(inspection.matters.all())
    new = _clean_fields({**current, **fields})
    _validate_inspection(body=inspection.body, inspection=inspection, **new)
    kept = set(
        inspection.findings.filter(agency__isnull=False).values_list(
            "agency_id", flat=True
        )
    )
    missing = kept - {a.pk for a in new["subject_agencies"]}
    if missing:
        raise ValidationError(
            {
                "subject_agencies": [
                    gettext(
                        "An agency that is responsible for a finding stays among "
                        "the inspected agencies."
                    )
                ]
            }
        )
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        check_version(locked, version)
        changes: dict[str, Any] = {}
        for name in UPDATE_FIELDS:
            before, after = getattr(locked, name), new[name]
            if before != after:
                changes[name] = {
                    "before": None if before is None else str(before),
                    "after": None if after is None else str(after),
                }
            setattr(locked, name, after)
        locked.year = locked.planned_on.year
        for name in M2M_FIELDS:
            before_ids = set(getattr(locked, name).values_list("pk", flat=True))
            after_ids = {o.pk for o in new[name]}
            if before_ids != after_ids:
                changes[name] = {
                    "before": sorted(before_ids),
                    "after": sorted(after_ids),
                }
                getattr(locked, name).set(new[name])
        save_bumped(locked, [*UPDATE_FIELDS, "year", "updated_at"])
        audit_record(
            actor=actor, action="inspections.update", target=locked, changes=changes
        )
    return locked


def inspection_transition(
    *, actor, inspection: Inspection, action: str, version: int | None = None
) -> Inspection:
    """One step of the workflow table (``workflow.py``)."""
    _require_manager(actor, inspection.body_id)
    transition = workflow.TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": [gettext("Unknown action.")]})
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        check_version(locked, version)
        if locked.state not in transition.sources:
            raise ValidationError(
                {
                    "action": [
                        gettext(
                            "This cannot be done while the inspection is %(state)s."
                        )
                        % {"state": locked.get_state_display().lower()}
                    ]
                }
            )
        if action == "record" and not locked.findings.exists():
            raise ValidationError(
                {"action": [gettext("Record at least one finding first.")]}
            )
        if action == "conclude" and locked.conclusion_paper_id is None:
            raise ValidationError(
                {"action": [gettext("Draft the conclusion document first.")]}
            )
        if (
            action == "close"
            and locked.findings.filter(converted_at__isnull=True)
            .exclude(recommendation="")
            .exists()
        ):
            raise ValidationError(
                {
                    "action": [
                        gettext(
                            "Some recommendations are not follow-up tasks yet: "
                            "turn them into tasks first."
                        )
                    ]
                }
            )
        before = locked.state
        locked.state = transition.target
        save_bumped(locked, ["state", "updated_at"])
        audit_record(
            actor=actor,
            action="inspections.transition",
            target=locked,
            changes={"state": {"before": before, "after": locked.state}},
        )
    return locked


# --- findings ----------------------------------------------------------------------


def finding_add(
    *,
    actor,
    inspection: Inspection,
    description: str,
    severity: str = Finding.Severity.MEDIUM,
    recommendation: str = "",
    agency: Agency | None = None,
    deadline: datetime.date | None = None,
    files: Sequence = (),
) -> Finding:
    """A finding of the visit, numbered after the last one, with its
    evidence files (stored by ``docs.services.attachment_add``: a file
    refused refuses the whole finding)."""
    from dieuphoi.docs.services import attachment_add

    _require_manager(actor, inspection.body_id)
    description = clean_text(description, multiline=True, limit=TEXT_MAX)
    recommendation = clean_text(recommendation, multiline=True, limit=TEXT_MAX)
    errors: dict[str, list[str]] = {}
    if inspection.state not in workflow.FINDING_STATES:
        errors["state"] = [
            gettext(
                "Findings are recorded while the inspection is in progress "
                "(it is %(state)s)."
            )
            % {"state": inspection.get_state_display().lower()}
        ]
    if severity not in Finding.Severity.values:
        errors["severity"] = [gettext("Choose the severity.")]
    if not description:
        errors["description"] = [gettext("Describe the finding.")]
    elif len(description) > TEXT_MAX:
        errors["description"] = [
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX}
        ]
    if len(recommendation) > TEXT_MAX:
        errors["recommendation"] = [
            gettext("The text is longer than %(n)d characters.") % {"n": TEXT_MAX}
        ]
    if (
        agency is not None
        and not inspection.subject_agencies.filter(pk=agency.pk).exists()
    ):
        errors["agency"] = [
            gettext("%(agency)s is not one of the inspected agencies.")
            % {"agency": agency}
        ]
    if deadline is not None and deadline < inspection.planned_on:
        errors["deadline"] = [
            gettext("The deadline is before the plan date (%(date)s).")
            % {"date": _d(inspection.planned_on)}
        ]
    raise_field_errors(errors)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        order = (locked.findings.aggregate(m=Max("order"))["m"] or 0) + 1
        finding = Finding.objects.create(
            inspection=locked,
            order=order,
            severity=severity,
            description=description,
            recommendation=recommendation,
            agency=agency,
            deadline=deadline,
            created_by=_actor(actor),
        )
        finding.inspection = locked
        for upload in files:
            attachment_add(actor=actor, target=finding, uploaded_file=upload)
        audit_record(
            actor=actor,
            action="inspections.finding_add",
            target=locked,
            changes={
                "finding": f"{order}. {description[:200]}",
                "severity": severity,
            },
        )
    return finding


# Errors of ``tasks.services.task_create`` -> the finding's fields.
TASK_FIELDS = {
    "lead_agency": "agency",
    "deadline": "deadline",
    "title": "recommendation",
    "assigned_on": "deadline",
}


def _task_title(finding: Finding) -> str:
    text = " ".join(finding.recommendation.split())
    head = f"Thực hiện kiến nghị số {finding.order} ({finding.inspection.code}): "
    limit = 500 - len(head)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return head + text


def _task_description(finding: Finding) -> str:
    inspection = finding.inspection
    kind = "kiểm tra" if inspection.kind == Inspection.Kind.INSPECTION else "giám sát"
    return (
        f"Kiến nghị sau {kind} “{inspection.title}” ({inspection.code}).\n\n"
        f"Phát hiện: {finding.description}\n\nKiến nghị: {finding.recommendation}"
    )


def _convert_errors(finding: Finding) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    inspection = finding.inspection
    if finding.converted_at is not None:
        errors["task"] = [
            gettext(
                "Finding %(n)s is already a follow-up task (%(code)s): it is "
                "converted once."
            )
            % {
                "n": finding.order,
                "code": finding.task.code if finding.task_id else "—",
            }
        ]
        return errors
    if inspection.state not in workflow.CONVERT_STATES:
        errors["state"] = [
            gettext(
                "Recommendations become tasks from the visit until the "
                "inspection is closed (it is %(state)s)."
            )
            % {"state": inspection.get_state_display().lower()}
        ]
    if not finding.recommendation.strip():
        errors["recommendation"] = [
            gettext("Finding %(n)s has no recommendation to carry out.")
            % {"n": finding.order}
        ]
    if finding.agency_id is None:
        errors["agency"] = [
            gettext("Choose the agency responsible for finding %(n)s.")
            % {"n": finding.order}
        ]
    return errors


def _convert_locked(*, actor, finding: Finding, on: datetime.date):
    from dieuphoi.tasks.services import task_create

    try:
        task = task_create(
            actor=actor,
            body=finding.inspection.body,
            title=_task_title(finding),
            description=_task_description(finding),
            assigned_on=on,
            lead_agency=finding.agency,
            deadline=finding.deadline,
            source_document=None,
            source_text=f"{finding.inspection.code}, kiến nghị số {finding.order}",
            source=finding,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {TASK_FIELDS.get(k, k): v for k, v in exc.message_dict.items()}
        ) from exc
    Finding.objects.filter(pk=finding.pk).update(
        task=task,
        converted_at=timezone.now(),
        converted_by=_actor(actor),
        version=finding.version + 1,
    )
    finding.task = task
    audit_record(
        actor=actor,
        action="inspections.finding_convert",
        target=finding.inspection,
        changes={"finding": finding.order, "task": task.code},
    )
    return task


def _lock_finding(finding: Finding) -> Finding:
    locked = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("agency", "task")
        .get(pk=finding.pk)
    )
    locked.inspection = finding.inspection
    return locked


def finding_convert(*, actor, finding: Finding, on: datetime.date | None = None):
    """The finding's recommendation becomes a follow-up task of its agency
    (lead), deadline the proposed one, source the finding. Once: a second
    attempt is a ``ValidationError`` on ``task`` and writes nothing."""
    inspection = finding.inspection
    _require_manager(actor, inspection.body_id)
    on = on or local_today()
    with transaction.atomic():
        locked = _lock_finding(finding)
        raise_field_errors(_convert_errors(locked))
        return _convert_locked(actor=actor, finding=locked, on=on)


def findings_convert_all(
    *, actor, inspection: Inspection, on: datetime.date | None = None
) -> list:
    """Every finding not yet converted becomes its task, all in one
    transaction: one finding that cannot (no recommendation, no agency, a
    deadline already past) refuses them all, with its number in the error."""
    _require_manager(actor, inspection.body_id)
    on = on or local_today()
    with transaction.atomic():
        pending = list(
            Finding.objects.select_for_update(of=("self",))
            .select_related("agency", "task")
            .filter(inspection=inspection, converted_at__isnull=True)
            .order_by("order", "id")
        )
        if not pending:
            raise ValidationError(
                {"task": [gettext("Every finding is already a follow-up task.")]}
            )
        errors: dict[str, list[str]] = {}
        for f in pending:
            f.inspection = inspection
            for field, messages in _convert_errors(f).items():
                errors.setdefault(field, []).extend(messages)
        raise_field_errors(errors)
        return [_convert_locked(actor=actor, finding=f, on=on) for f in pending]


# --- the conclusion document -------------------------------------------------------


def conclusion_blocks(inspection: Inspection, findings: Sequence[Finding]) -> list:
    """The Thông báo kết luận's body: the plan, then the findings and the
    recommendations, in the Decree 30 headings (I., 1., a))."""
    from dieuphoi.paperwork import content as c

    kind = "kiểm tra" if inspection.kind == Inspection.Kind.INSPECTION else "giám sát"
    agencies = ", ".join(a.name for a in inspection.subject_agencies.all())
    blocks: list = []
    intro = (
        f"Thực hiện nhiệm vụ giúp Chủ tịch Ủy ban nhân dân Thành phố {kind} việc "
        f"thực hiện các nhiệm vụ liên kết vùng (Quyết định số 4854/QĐ-UBND), "
        f"Tổ điều phối đã {kind} {agencies}"
    )
    if inspection.period_from and inspection.period_to:
        intro += (
            f" về kết quả thực hiện trong thời kỳ từ ngày {_d(inspection.period_from)} "
            f"đến ngày {_d(inspection.period_to)}"
        )
    if inspection.visit_from:
        local = timezone.localtime(inspection.visit_from)
        intro += f"; làm việc trực tiếp từ ngày {_d(local.date())}"
        if inspection.place:
            intro += f" tại {inspection.place}"
    blocks.append(c.Paragraph(text=intro + "."))
    blocks.append(
        c.Paragraph(
            text=f"Tổ điều phối thông báo kết luận {kind} “{inspection.title}” như sau:"
        )
    )
    blocks.append(c.Heading(text=f"Nội dung, phạm vi {kind}", level=1))
    blocks.append(
        c.Paragraph(text=inspection.scope or f"Theo kế hoạch {kind} {inspection.code}.")
    )
    blocks.append(c.Heading(text="Kết quả, những tồn tại và hạn chế", level=1))
    for f in findings:
        title = f"Phát hiện số {f.order} (mức độ: {SEVERITY_TEXT[f.severity].lower()})"
        blocks.append(c.Heading(text=title, level=2))
        blocks.append(c.Paragraph(text=f.description))
    blocks.append(c.Heading(text="Kiến nghị và yêu cầu", level=1))
    recommended = [f for f in findings if f.recommendation]
    for f in recommended:
        line = f"Đối với phát hiện số {f.order}: {f.recommendation}"
        if f.agency_id:
            line += f" Đơn vị thực hiện: {f.agency.name}."
        if f.deadline:
            line += f" Thời hạn: trước ngày {_d(f.deadline)}."
        blocks.append(c.Paragraph(text=line))
    if not recommended:
        blocks.append(c.Paragraph(text="Không có kiến nghị."))
    blocks.append(c.Heading(text="Tổ chức thực hiện", level=1))
    blocks.append(
        c.Paragraph(
            text=(
                "Các kiến nghị trên được giao thành nhiệm vụ theo dõi trên Hệ thống "
                "điều phối Vùng Thủ đô; đề nghị các cơ quan, đơn vị được "
                f"{kind} tổ chức thực hiện và báo cáo kết quả đúng thời hạn./."
            )
        )
    )
    return blocks


def conclusion_subject(inspection: Inspection) -> str:
    """``Kết luận kiểm tra việc thực hiện …``: the title after “Kết luận”,
    without saying “kiểm tra” twice."""
    what = "kiểm tra" if inspection.kind == Inspection.Kind.INSPECTION else "giám sát"
    title = inspection.title.strip()
    if title.lower().startswith(("kiểm tra", "giám sát")):
        subject = f"Kết luận {title[0].lower()}{title[1:]}"
    else:
        subject = f"Kết luận {what} {title}"
    return subject[:500]


def conclusion_create(*, actor, inspection: Inspection):
    """The Thông báo kết luận (draft) from the findings: the documents
    engine lays it out (``paperwork.services.paper_create``, producer
    ``inspections``, source the inspection), the body's leader signs (TM.).
    Once findings are recorded; a new draft only when the previous one was
    withdrawn."""
    from dieuphoi.paperwork.models import Paper, PaperKind
    from dieuphoi.paperwork.services import RecipientInput, paper_create

    _require_manager(actor, inspection.body_id)
    with transaction.atomic():
        locked = (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("body", "conclusion_paper")
            .get(pk=inspection.pk)
        )
        errors: dict[str, list[str]] = {}
        if locked.state not in workflow.CONCLUSION_STATES:
            errors["state"] = [
                gettext(
                    "The conclusion is drafted once the findings are recorded "
                    "(the inspection is %(state)s)."
                )
                % {"state": locked.get_state_display().lower()}
            ]
        paper = locked.conclusion_paper
        if paper is not None and paper.state != Paper.State.WITHDRAWN:
            errors["conclusion_paper"] = [
                gettext("The conclusion document is already drafted.")
            ]
        findings = list(
            locked.findings.select_related("agency").order_by("order", "id")
        )
        if not findings:
            errors["findings"] = [gettext("Record at least one finding first.")]
        kind = PaperKind.objects.filter(key=CONCLUSION_KIND, active=True).first()
        if kind is None:
            errors["conclusion_paper"] = [
                gettext("The document kind Thông báo is not set up.")
            ]
        signer = body_leader(locked.body_id, local_today())
        if signer is None:
            errors["conclusion_paper"] = [
                gettext("The team has no leader today to sign the conclusion.")
            ]
        raise_field_errors(errors)
        paper = paper_create(
            actor=actor,
            body=locked.body,
            kind=kind,
            subject=conclusion_subject(locked),
            blocks=conclusion_blocks(locked, findings),
            recipients=[
                RecipientInput(text=a.name, agency=a, addressee=False)
                for a in locked.subject_agencies.all()
            ],
            authority=Paper.Authority.TM,
            signer=signer,
            producer="inspections",
            source=locked,
        )
        before = locked.conclusion_paper_id
        locked.conclusion_paper = paper
        save_bumped(locked, ["conclusion_paper", "updated_at"])
        audit_record(
            actor=actor,
            action="inspections.conclusion",
            target=locked,
            changes={"conclusion_paper": {"before": before, "after": paper.pk}},
        )
    return paper
