"""Agency scorecards: the numbers against a plain-Python count over the rows
created, the rank, the same task counts as the compiled report, the page,
its XLSX and the API (who sees what), and a fixed number of queries."""

from __future__ import annotations

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dieuphoi.accounts.services import api_token_create
from dieuphoi.activities.models import Activity, Conclusion
from dieuphoi.docs.models import Attachment
from dieuphoi.letters.models import LetterTask, UrgingLetter
from dieuphoi.org.models import Agency
from dieuphoi.org.tests.factories import AgencyFactory, BodyAgencyFactory
from dieuphoi.proposals.models import (
    ConsultationRound,
    Proposal,
    ProposalDraft,
    RoundParty,
)
from dieuphoi.reminders.models import Reminder
from dieuphoi.reports import periods, scorecards
from dieuphoi.reports.counts import task_counts
from dieuphoi.reports.models import Contribution, ContributionRequest, Report
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/reports/scorecards/"
XLSX_URL = "/reports/scorecards/xlsx/"
API = "/api/v1/scorecards"


def year_2025():
    """15/12/2024 → 14/12/2025: a past cut-off, so counted from the history."""
    return periods.period("annual", 2025)


# --- the data ------------------------------------------------------------------------


def _task(body, lead, assigned, deadline, state="in_progress", **kw):
    return TaskFactory(
        body=body,
        lead_agency=lead,
        assigned_on=assigned,
        deadline=deadline,
        state=state,
        **kw,
    )


def _urge(task, day, kind=Reminder.Kind.URGING, seq=1):
    return Reminder.objects.create(
        task=task,
        kind=kind,
        deadline=task.deadline or day,
        seq=seq,
        sent_on=day,
        run=uuid.uuid4(),
    )


def _letter(body, tasks, day, status=UrgingLetter.Status.DONE):
    letter = UrgingLetter.objects.create(body=body, on=day, status=status)
    for position, task in enumerate(tasks, start=1):
        LetterTask.objects.create(
            letter=letter,
            task=task,
            position=position,
            deadline=task.deadline,
            days_overdue=1,
        )
    return letter


def _report(body, period, state=Report.State.DRAFT):
    return Report.objects.create(
        body=body,
        period_type=period.type,
        year=period.year,
        number=period.number,
        start=period.start,
        end=period.end,
        deadline=period.deadline,
        title=f"Báo cáo {period.key}",
        state=state,
    )


def _contribution(request, agency, state=Contribution.State.PENDING, late=False):
    return Contribution.objects.create(
        request=request, agency=agency, name=str(agency), state=state, late=late
    )


def _round(body, lead, deadline, number=1, proposal=None):
    if proposal is None:
        proposal = Proposal.objects.create(
            body=body,
            kind=Proposal.Kind.PLAN,
            title="Kế hoạch liên kết vùng",
            scope=Proposal.Scope.REGIONAL_SCALE,
            proposed_on=deadline - datetime.timedelta(days=30),
            lead_agency=lead,
        )
    attachment = Attachment.objects.create(
        target_type=ContentType.objects.get_for_model(Proposal),
        target_id=proposal.pk,
        file="attachments/du-thao.docx",
        original_name="du-thao.docx",
        size=1,
        sha256="0" * 64,
        content_type="application/octet-stream",
    )
    draft = ProposalDraft.objects.create(
        proposal=proposal, number=number, attachment=attachment
    )
    return ConsultationRound.objects.create(
        proposal=proposal,
        number=number,
        draft=draft,
        opened_on=deadline - datetime.timedelta(days=10),
        working_days=5,
        deadline=deadline,
    )


def _answer(round_, agency, answer="", late=False, on=None):
    return RoundParty.objects.create(
        round=round_,
        agency=agency,
        name=str(agency),
        answer=answer,
        answered_on=on if answer and answer != RoundParty.Answer.SILENT else None,
        late=late,
    )


@pytest.fixture
def scored(hanoi_team, other_team, standing_agency, member_agency):
    """The Hanoi team's tasks, urgings, contributions and answers in and
    around the year 2025 (15/12/2024 → 14/12/2025)."""
    body = hanoi_team
    stc, sxd = standing_agency, member_agency
    gtvt = AgencyFactory(code="SGTVT", name="Sở Giao thông vận tải")
    BodyAgencyFactory(body=body, agency=gtvt, role="member")
    # Merged into Sở Tài chính on 01/03/2025: its tasks count under it.
    old = AgencyFactory(
        code="SKHDT", name="Sở Kế hoạch và Đầu tư", valid_to=D(2025, 2, 28)
    )
    stc.predecessors.add(old)
    t = {}
    # Sở Tài chính: on time, late (3 working days), overdue, cancelled.
    t["stc_on_time"] = _task(
        body,
        stc,
        D(2025, 2, 3),
        D(2025, 3, 31),
        "completed",
        completed_on=D(2025, 3, 20),
    )
    t["stc_late"] = _task(
        body,
        stc,
        D(2025, 5, 5),
        D(2025, 6, 2),
        "completed",
        completed_on=D(2025, 6, 5),
    )
    t["stc_overdue"] = _task(body, stc, D(2025, 9, 1), D(2025, 11, 28))
    t["stc_cancelled"] = _task(
        body,
        stc,
        D(2025, 4, 1),
        D(2025, 5, 30),
        "cancelled",
        cancelled_on=D(2025, 5, 2),
    )
    # The merged agency's task, completed on time before the merger.
    t["old_on_time"] = _task(
        body,
        old,
        D(2025, 1, 6),
        D(2025, 2, 20),
        "completed",
        completed_on=D(2025, 2, 18),
    )
    # Sở Xây dựng: on time (from a conclusion), in progress, completed after
    # the cut-off (open then), one before the window.
    t["sxd_on_time"] = _task(
        body,
        sxd,
        D(2025, 6, 2),
        D(2025, 7, 31),
        "completed",
        completed_on=D(2025, 7, 15),
    )
    t["sxd_open"] = _task(body, sxd, D(2025, 10, 1), D(2026, 3, 31))
    t["sxd_done_after"] = _task(
        body,
        sxd,
        D(2025, 11, 3),
        D(2025, 12, 31),
        "completed",
        completed_on=D(2026, 1, 10),
    )
    t["sxd_before"] = _task(body, sxd, D(2024, 12, 10), D(2025, 1, 31))
    t["sxd_after"] = _task(body, sxd, D(2025, 12, 16), D(2026, 1, 30))
    # Sở GTVT: two overdue (a conclusion's too), no completion.
    t["gtvt_overdue"] = _task(body, gtvt, D(2025, 3, 3), D(2025, 8, 29))
    t["gtvt_overdue_2"] = _task(body, gtvt, D(2025, 7, 1), D(2025, 10, 31))
    # Another team's task: not counted.
    t["other"] = _task(other_team, sxd, D(2025, 3, 3), D(2025, 4, 30))

    meeting = Activity.objects.create(
        body=body,
        kind=Activity.Kind.JOINT_MEETING,
        title="Hội nghị Tổ điều phối",
        starts_at=datetime.datetime(2025, 5, 30, 2, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2025, 5, 30, 5, 0, tzinfo=datetime.UTC),
        response_deadline=D(2025, 5, 28),
    )
    conclusion = Conclusion.objects.create(activity=meeting, order=1, text="Giao")
    conclusion_type = ContentType.objects.get_for_model(Conclusion)
    Task.objects.filter(pk__in=[t["sxd_on_time"].pk, t["gtvt_overdue"].pk]).update(
        source_type=conclusion_type, source_id=conclusion.pk
    )

    # Urgings: two notices and a letter in the window, the rest not counted.
    _urge(t["stc_overdue"], D(2025, 12, 5))
    _urge(t["stc_overdue"], D(2025, 12, 20), seq=2)  # after the cut-off
    _urge(t["gtvt_overdue"], D(2025, 9, 5))
    _urge(t["gtvt_overdue"], D(2025, 8, 27), kind=Reminder.Kind.BEFORE_DEADLINE)
    _letter(body, [t["gtvt_overdue"], t["gtvt_overdue_2"]], D(2025, 11, 10))
    _letter(
        body, [t["gtvt_overdue_2"]], D(2025, 11, 20), status=UrgingLetter.Status.DRAFTED
    )

    # Contributions: the November report's (cut-off in the window).
    november = _report(body, periods.period("monthly", 2025, 11))
    request = ContributionRequest.objects.create(
        report=november, deadline=D(2025, 11, 19)
    )
    _contribution(request, stc, Contribution.State.SUBMITTED)
    _contribution(request, sxd, Contribution.State.SUBMITTED, late=True)
    _contribution(request, gtvt, Contribution.State.DRAFT)
    withdrawn = _report(
        body, periods.period("monthly", 2025, 10), state=Report.State.WITHDRAWN
    )
    _contribution(
        ContributionRequest.objects.create(report=withdrawn, deadline=D(2025, 10, 20)),
        gtvt,
    )
    january = _report(body, periods.period("monthly", 2026, 1))  # not in 2025
    _contribution(
        ContributionRequest.objects.create(report=january, deadline=D(2026, 1, 20)),
        stc,
        Contribution.State.SUBMITTED,
    )

    # Consultation answers: a round due in the window, one after it.
    round_ = _round(body, sxd, D(2025, 7, 10))
    _answer(round_, stc, RoundParty.Answer.AGREE, on=D(2025, 7, 8))
    _answer(round_, sxd, RoundParty.Answer.DISAGREE, late=True, on=D(2025, 7, 14))
    _answer(round_, gtvt, RoundParty.Answer.SILENT)
    later = _round(body, sxd, D(2025, 12, 20), number=2, proposal=round_.proposal)
    _answer(later, stc, RoundParty.Answer.AGREE, on=D(2025, 12, 19))
    return {
        "body": body,
        "tasks": t,
        "stc": stc,
        "sxd": sxd,
        "gtvt": gtvt,
        "old": old,
    }


# --- a plain count ---------------------------------------------------------------------


def plain_scorecards(body, period, successors: dict[int, int]) -> dict[int, dict]:
    """The columns counted in plain Python over the rows (no SQL rule):
    ``successors`` maps an ended agency to the one its work passed to."""
    end = period.end

    def owner(agency_id):
        return successors.get(agency_id, agency_id)

    out: dict[int, dict] = {}

    def row(agency_id):
        return out.setdefault(
            owner(agency_id),
            {
                "total": 0,
                "completed_on_time": 0,
                "completed_late": 0,
                "overdue": 0,
                "delay_days": 0,
                "delay_tasks": 0,
                "urgings": 0,
                "contributions": [0, 0, 0],
                "consultations": [0, 0, 0],
                "conclusions": [0, 0],
            },
        )

    conclusion_type = ContentType.objects.get_for_model(Conclusion).pk
    for task in Task.objects.filter(body=body):
        if not period.start <= task.assigned_on <= end:
            continue
        completed = (
            task.state == "completed" and task.completed_on and task.completed_on <= end
        )
        cancelled = (
            task.state == "cancelled" and task.cancelled_on and task.cancelled_on <= end
        )
        if cancelled:
            continue
        r = row(task.lead_agency_id)
        r["total"] += 1
        effective = (
            calendar.effective_deadline(task.deadline) if task.deadline else None
        )
        stop = None
        if completed:
            if effective is not None and task.completed_on > effective:
                r["completed_late"] += 1
                stop = task.completed_on
            else:
                r["completed_on_time"] += 1
        elif effective is not None and effective < end:
            r["overdue"] += 1
            stop = end
        if stop is not None:
            r["delay_tasks"] += 1
            r["delay_days"] += calendar.working_days_between(effective, stop)
        if task.source_type_id == conclusion_type:
            r["conclusions"][0] += 1
            r["conclusions"][1] += 1 if completed else 0
    for reminder in Reminder.objects.filter(task__body=body):
        if (
            reminder.kind == Reminder.Kind.URGING
            and reminder.part_id is None
            and period.start <= reminder.sent_on <= end
        ):
            row(reminder.task.lead_agency_id)["urgings"] += 1
    for link in LetterTask.objects.filter(task__body=body).select_related("letter"):
        if (
            link.letter.status == UrgingLetter.Status.DONE
            and period.start <= link.letter.on <= end
        ):
            row(link.task.lead_agency_id)["urgings"] += 1
    for c in Contribution.objects.select_related("request__report"):
        report = c.request.report
        if (
            report.body_id == body.pk
            and period.start <= report.end <= end
            and report.state != Report.State.WITHDRAWN
            and c.agency_id
        ):
            counts = row(c.agency_id)["contributions"]
            counts[0] += 1
            counts[1] += c.state == Contribution.State.SUBMITTED
            counts[2] += c.state == Contribution.State.SUBMITTED and not c.late
    for p in RoundParty.objects.select_related("round__proposal"):
        if (
            p.round.proposal.body_id == body.pk
            and period.start <= p.round.deadline <= end
            and p.agency_id
        ):
            counts = row(p.agency_id)["consultations"]
            answered = p.answer not in ("", RoundParty.Answer.SILENT)
            counts[0] += 1
            counts[1] += answered
            counts[2] += answered and not p.late
    return out


def _columns(row: dict) -> dict:
    return {
        "total": row["total"],
        "completed_on_time": row["completed_on_time"],
        "completed_late": row["completed_late"],
        "overdue": row["overdue"],
        "delay_days": row["delay_days"],
        "delay_tasks": row["delay_tasks"],
        "urgings": row["urgings"],
        "contributions": [
            row["contributions_expected"],
            row["contributions_submitted"],
            row["contributions_on_time"],
        ],
        "consultations": [
            row["consultations_expected"],
            row["consultations_answered"],
            row["consultations_on_time"],
        ],
        "conclusions": [row["conclusion_tasks"], row["conclusion_tasks_completed"]],
    }


# --- the numbers --------------------------------------------------------------------------


def test_scorecards_equal_a_plain_count_over_the_rows(scored):
    period = year_2025()
    rows = scorecards.agency_scorecards(scored["body"], period)
    plain = plain_scorecards(
        scored["body"], period, {scored["old"].pk: scored["stc"].pk}
    )
    # Agencies with tasks in the period only (each has a row).
    expected = {pk: counts for pk, counts in plain.items() if counts["total"]}
    assert {row["id"]: _columns(row) for row in rows} == expected


def test_scorecards_hand_counted(scored):
    rows = {
        row["code"]: row
        for row in scorecards.agency_scorecards(scored["body"], year_2025())
    }
    assert set(rows) == {"STC", "SXD", "SGTVT"}  # SKHDT counted under STC
    stc, sxd, gtvt = rows["STC"], rows["SXD"], rows["SGTVT"]
    # STC: on time (its own and SKHDT's), late, overdue; cancelled not counted.
    assert (stc["total"], stc["completed_on_time"], stc["completed"]) == (4, 2, 3)
    assert stc["on_time_rate"].value == Decimal("66.67")
    assert stc["on_time_rate"].denominator == 3
    # Late: 02/06 → 05/06 (3 working days); overdue 28/11 → 14/12 (10).
    assert (stc["delay_tasks"], stc["delay_days"]) == (2, 13)
    assert stc["average_delay"] == Decimal("6.5")
    assert stc["urgings"] == 1
    assert (stc["contributions_expected"], stc["contributions_on_time"]) == (1, 1)
    assert (stc["consultations_answered"], stc["consultations_on_time"]) == (1, 1)
    # SXD: the task completed after the cut-off was open (within deadline).
    assert (sxd["total"], sxd["completed"], sxd["overdue"]) == (3, 1, 0)
    assert sxd[buckets.IN_PROGRESS_WITHIN_DEADLINE] == 2
    assert sxd["on_time_rate"].value == Decimal("100.00")
    assert sxd["average_delay"] is None
    assert (sxd["conclusion_tasks"], sxd["conclusion_tasks_completed"]) == (1, 1)
    assert (sxd["contributions_submitted"], sxd["contributions_on_time"]) == (1, 0)
    assert (sxd["consultations_answered"], sxd["consultations_on_time"]) == (1, 0)
    # GTVT: two overdue, urged once by notice and twice by the issued letter.
    assert (gtvt["total"], gtvt["overdue"], gtvt["urgings"]) == (2, 2, 3)
    assert gtvt["on_time_rate"].value is None
    assert (gtvt["conclusion_tasks"], gtvt["conclusion_tasks_completed"]) == (1, 0)
    assert gtvt["contributions_expected"] == 1  # the withdrawn report's left out
    assert (gtvt["consultations_expected"], gtvt["consultations_answered"]) == (1, 0)


def test_rank_by_on_time_rate_then_overdue_then_name(scored):
    rows = scorecards.agency_scorecards(scored["body"], year_2025())
    assert [(r["rank"], r["code"]) for r in rows] == [
        (1, "SXD"),  # 100 %
        (2, "STC"),  # 66.67 %
        (3, "SGTVT"),  # nothing completed: last
    ]
    # Equal rate and overdue: one rank, by name within it.
    body = scored["body"]
    twin = AgencyFactory(code="ZZ", name="Ban Quản lý dự án")
    _task(
        body,
        twin,
        D(2025, 6, 2),
        D(2025, 7, 31),
        "completed",
        completed_on=D(2025, 7, 1),
    )
    rows = scorecards.agency_scorecards(body, year_2025())
    assert [(r["rank"], r["code"]) for r in rows] == [
        (1, "ZZ"),
        (1, "SXD"),
        (3, "STC"),
        (4, "SGTVT"),
    ]


def test_task_columns_are_the_task_counts_of_the_report(scored):
    period = year_2025()
    counts = task_counts(scored["body"], period)["by_agency"]
    rows = scorecards.agency_scorecards(scored["body"], period)
    names = ("id", "total", *buckets.BUCKETS, "completed", "due", "params")
    assert sorted((tuple(r[n] for n in names) for r in rows), key=str) == sorted(
        (tuple(c[n] for n in names) for c in counts), key=str
    )
    for row in rows:
        assert row["delay_tasks"] == row["completed_late"] + row["overdue"]


def test_same_numbers_as_the_compiled_report(report_world):
    from dieuphoi.reports.figures import compile_figures

    w = report_world
    figures = compile_figures(w["body"], w["period"])
    compiled = {row["id"]: row for row in figures["tasks"]["counts"]["by_agency"]}
    rows = scorecards.agency_scorecards(w["body"], w["period"])
    assert {r["id"] for r in rows} == set(compiled)
    for row in rows:
        for name in ("total", *buckets.BUCKETS, "completed", "due"):
            assert row[name] == compiled[row["id"]][name], name


def test_delays_and_as_of_invariance_in_the_june_world(
    report_world, member, secretariat, leader, standing_agency, member_agency
):
    """Late: deadline 25/05, done 02/06 (6 working days); overdue: deadline
    01/06, open on the cut-off 14/06 (9). Events after the cut-off (the
    overdue task completed, a lead changed, an urging) move nothing."""
    from .conftest import later_events

    w = report_world
    keep = (
        "id",
        "rank",
        "total",
        *buckets.BUCKETS,
        "delay_days",
        "delay_tasks",
        "urgings",
        "conclusion_tasks",
        "conclusion_tasks_completed",
    )

    def figures():
        rows = scorecards.agency_scorecards(w["body"], w["period"])
        return {r["id"]: {k: r[k] for k in keep} for r in rows}

    before = figures()
    assert (
        before[standing_agency.pk]["delay_tasks"],
        before[standing_agency.pk]["delay_days"],
    ) == (1, 6)
    assert (
        before[member_agency.pk]["delay_tasks"],
        before[member_agency.pk]["delay_days"],
    ) == (1, 9)
    later_events(
        w,
        member=member,
        secretariat=secretariat,
        leader=leader,
        standing_agency=standing_agency,
    )
    assert figures() == before


def test_urgings_follow_the_window_and_the_lead_of_record(report_world):
    """The June world's urgings: three of the old overdue task (18/05,
    22/05, 27/05) and one of the key task (08/06), all in the window."""
    w = report_world
    rows = {r["id"]: r for r in scorecards.agency_scorecards(w["body"], w["period"])}
    lead = w["key_overdue"].lead_agency_id
    assert rows[lead]["urgings"] == 4


def test_empty_period_has_no_rows(scored):
    assert (
        scorecards.agency_scorecards(scored["body"], periods.period("annual", 2023))
        == []
    )


def test_a_body_sees_only_its_own_tasks(scored, other_team):
    rows = scorecards.agency_scorecards(other_team, year_2025())
    assert [(r["code"], r["total"]) for r in rows] == [("SXD", 1)]


# --- periods ------------------------------------------------------------------------------


def test_default_period_is_the_one_under_way():
    today = D(2026, 12, 3)
    assert scorecards.default_period("annual", today).key == "annual-2026"
    assert scorecards.default_period("annual", D(2026, 12, 20)).key == "annual-2027"
    assert scorecards.default_period("annual", D(2026, 12, 15)).key == "annual-2027"
    assert scorecards.default_period("monthly", today).key == "monthly-2026-12"
    assert scorecards.default_period("quarterly", today).key == "quarterly-2026-4"
    # 3 December is in no nine-month window: the nine months just ended.
    assert scorecards.default_period("nine_month", today).key == "nine_month-2026"
    assert scorecards.default_period("nine_month", D(2026, 9, 1)).key == (
        "nine_month-2026"
    )
    for type_ in scorecards.picker_types():
        choices = scorecards.period_choices(type_, today)
        assert all(p.start <= today for p in choices)
        assert choices[0] == scorecards.default_period(type_, today)
        assert [p.end for p in choices] == sorted(
            (p.end for p in choices), reverse=True
        )
        assert len({p.key for p in choices}) == len(choices)


def test_a_running_period_is_counted_to_today():
    today = D(2026, 12, 3)
    running = periods.period("annual", 2027)  # 15/12/2026 →: not begun
    assert scorecards.as_of_period(running, today).end == running.start
    current = periods.period("monthly", 2026, 12)  # 15/11 → 14/12/2026
    assert scorecards.as_of_period(current, today).end == today
    past = periods.period("monthly", 2026, 11)
    assert scorecards.as_of_period(past, today) == past


# --- queries and cache ----------------------------------------------------------------------


def _many(body, n: int, first: int = 0):
    for i in range(first, first + n):
        agency = AgencyFactory(code=f"A{i:03d}", name=f"Sở thử nghiệm {i:03d}")
        t = _task(body, agency, D(2025, 3, 3), D(2025, 4, 30))
        _task(
            body,
            agency,
            D(2025, 3, 3),
            D(2025, 4, 30),
            "completed",
            completed_on=D(2025, 5, 6),
        )
        _urge(t, D(2025, 5, 5))
        request = ContributionRequest.objects.create(
            report=_report(body, periods.period("monthly", 2025, 1 + i % 12)),
            deadline=D(2025, 12, 1),
        )
        _contribution(request, agency, Contribution.State.SUBMITTED)


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_agencies(hanoi_team):
    period = year_2025()
    _many(hanoi_team, 5)
    scorecards.agency_scorecards(hanoi_team, period)  # content types cached
    few = _queries(lambda: scorecards.agency_scorecards(hanoi_team, period))
    assert len(scorecards.agency_scorecards(hanoi_team, period)) == 5
    _many(hanoi_team, 45, first=5)
    many = _queries(lambda: scorecards.agency_scorecards(hanoi_team, period))
    assert len(scorecards.agency_scorecards(hanoi_team, period)) == 50
    assert many == few
    assert many <= 12


def test_page_and_api_queries_do_not_grow(
    login, client, secretariat, hanoi_team, django_assert_max_num_queries
):
    _many(hanoi_team, 5)
    query = {"period": "annual-2025"}
    page = login(secretariat)
    token = _token(secretariat)
    page.get(URL, query)  # the session's and the token's first use write once
    client.get(API, query, **token)
    few_page = _queries(lambda: page.get(URL, query))
    few_api = _queries(lambda: client.get(API, query, **token))
    _many(hanoi_team, 45, first=5)
    assert _queries(lambda: page.get(URL, query)) == few_page
    assert _queries(lambda: client.get(API, query, **token)) == few_api
    assert len(client.get(API, query, **token).json()["items"]) == 50
    with django_assert_max_num_queries(25):
        page.get(URL, query)


def test_task_part_is_cached_until_a_task_changes(
    scored, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    settings.SCORECARD_CACHE_SECONDS = 300
    cache.clear()
    body, period = scored["body"], year_2025()
    # The set-up's writes commit first (their hooks move the stamps).
    for _sids, hook, _robust in list(connection.run_on_commit):
        if getattr(hook, "stamp_names", None) and not hook.done:
            hook()
    first = scorecards.agency_scorecards(body, period)
    cold = _queries(lambda: scorecards.agency_scorecards(body, period))
    with override_settings(SCORECARD_CACHE_SECONDS=0):
        uncached = _queries(lambda: scorecards.agency_scorecards(body, period))
        assert scorecards.agency_scorecards(body, period) == first
    assert cold < uncached  # the task part came from the cache
    with django_capture_on_commit_callbacks(execute=True):
        TaskFactory(
            body=body,
            lead_agency=scored["gtvt"],
            assigned_on=D(2025, 3, 3),
            deadline=D(2025, 4, 30),
            state="completed",
            completed_on=D(2025, 4, 1),
        )
    rows = {r["code"]: r for r in scorecards.agency_scorecards(body, period)}
    assert rows["SGTVT"]["total"] == 3
    assert rows["SGTVT"]["completed_on_time"] == 1
    cache.clear()


# --- the page and the export --------------------------------------------------------------


def _token(user) -> dict:
    _, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_page_shows_the_ranked_table_chart_and_links(login, member, scored):
    response = login(member).get(URL, {"type": "annual", "period": "annual-2025"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="scorecard-rows"' in html
    assert 'data-scorecard-chart="scorecard-data"' in html
    assert 'id="scorecard-data"' in html  # json_script, no inline code
    assert "<script>" not in html
    assert "js/scorecards.js" in html
    sxd = scored["sxd"]
    row = html.split(f'id="scorecard-row-{sxd.pk}"')[1].split("</tr>")[0]
    assert f"lead_agency={sxd.pk}" in row
    assert "assigned_from=2024-12-15" in row and "on=2025-12-14" in row
    assert "14/12/2025" in html
    assert response.context["rows"][0]["code"] == "SXD"


def test_page_fragment_for_htmx(login, member, scored):
    response = login(member).get(
        URL, {"period": "annual-2025"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="scorecard-table"' in html


def test_page_defaults_to_the_latest_completed_period(login, secretariat, hanoi_team):
    response = login(secretariat).get(URL)
    assert response.status_code == 200
    assert response.context["period"] == scorecards.default_period("annual")
    assert response.context["body"] == hanoi_team


def test_changing_the_type_takes_its_latest_period(login, secretariat, hanoi_team):
    response = login(secretariat).get(
        URL, {"type": "quarterly", "period": "annual-2025"}
    )
    assert response.context["period"] == scorecards.default_period("quarterly")


def test_bad_period_is_explained_not_counted(login, secretariat, hanoi_team):
    client = login(secretariat)
    for query in ({"period": "annual-abc"}, {"type": "weekly"}, {"period": "x"}):
        response = client.get(URL, query)
        assert response.status_code == 200
        assert 'id="scorecard-errors"' in response.content.decode()
        assert response.context["rows"] is None
    response = client.get(XLSX_URL, {"period": "annual-abc"})
    assert response.status_code == 302


def test_outsider_and_external_get_404(login, outsider, external, scored):
    body = scored["body"]
    query = {"period": "annual-2025", "body": body.pk}
    for user in (outsider, external):
        client = login(user)
        assert client.get(URL, query).status_code == 404
        assert client.get(XLSX_URL, query).status_code == 404
    assert login(outsider).get(URL).status_code == 404
    # A body id that is not one: 404 too.
    assert login(outsider).get(URL, {"body": "abc"}).status_code == 404


def test_leadership_and_admin_choose_the_body(
    login, leadership_viewer, admin_user, scored, other_team
):
    for user in (leadership_viewer, admin_user):
        client = login(user)
        response = client.get(URL, {"period": "annual-2025", "body": scored["body"].pk})
        assert response.status_code == 200
        assert [r["code"] for r in response.context["rows"]] == ["SXD", "STC", "SGTVT"]
        assert 'id="scorecard-body"' in response.content.decode()
        other = client.get(URL, {"period": "annual-2025", "body": other_team.pk})
        assert [r["code"] for r in other.context["rows"]] == ["SXD"]


def test_xlsx_export_opens_with_the_same_numbers(login, secretariat, scored):
    # A name typed by people that looks like a formula stays text.
    Agency.objects.filter(pk=scored["gtvt"].pk).update(short_name="=HYPERLINK(1)")
    response = login(secretariat).get(XLSX_URL, {"period": "annual-2025"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    # The header: the first row with a text in every column (any language).
    header_at = next(
        i
        for i, r in enumerate(values)
        if len(r) == 19 and all(isinstance(v, str) for v in r)
    )
    body_rows = [r for r in values[header_at + 1 :] if r and r[0] is not None]
    rows = scorecards.agency_scorecards(scored["body"], year_2025())
    assert [(r[0], r[1], r[3], r[7]) for r in body_rows] == [
        (row["rank"], row["code"], row["total"], row["overdue"]) for row in rows
    ]
    gtvt = next(r for r in body_rows if r[1] == "SGTVT")
    assert gtvt[2] == "=HYPERLINK(1)"
    assert gtvt[6] == "—"  # no completed task: no rate
    stc = next(r for r in body_rows if r[1] == "STC")
    assert stc[6] == pytest.approx(0.6667)
    assert stc[9] == pytest.approx(6.5)
    for cell in ws.iter_rows():
        for c in cell:
            assert c.data_type != "f"


# --- the API ----------------------------------------------------------------------------


def test_api_rows_are_the_page_rows(client, secretariat, scored):
    response = client.get(API, {"period": "annual-2025"}, **_token(secretariat))
    assert response.status_code == 200
    data = response.json()
    assert data["body"]["id"] == scored["body"].pk
    assert data["period"]["end"] == "2025-12-14"
    assert data["period"]["as_of"] == "2025-12-14"
    rows = scorecards.agency_scorecards(scored["body"], year_2025())
    assert [
        (i["rank"], i["id"], i["total"], i["overdue"], i["urgings"])
        for i in data["items"]
    ] == [(r["rank"], r["id"], r["total"], r["overdue"], r["urgings"]) for r in rows]
    stc = next(i for i in data["items"] if i["code"] == "STC")
    assert stc["on_time_rate"]["value"] == 66.67
    assert stc["on_time_rate"]["denominator"] == 3
    assert stc["average_delay"] == 6.5
    assert stc["task_list"]["lead_agency"] == str(scored["stc"].pk)


def test_api_errors(client, secretariat, outsider, external, scored):
    assert client.get(API, {"period": "annual-2025"}).status_code == 401
    token = _token(secretariat)
    bad = client.get(API, {"period": "annual-20x5"}, **token)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["period"]
    missing = client.get(API, **token)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["period"]
    assert (
        client.get(API, {"period": "annual-2025", "body": 0}, **token).status_code
        == 422
    )
    query = {"period": "annual-2025", "body": scored["body"].pk}
    assert client.get(API, query, **_token(outsider)).status_code == 404
    assert client.get(API, query, **_token(external)).status_code == 404
    # Without a body the outsider gets an empty list.
    empty = client.get(API, {"period": "annual-2025"}, **_token(outsider))
    assert empty.status_code == 200
    assert empty.json()["items"] == [] and empty.json()["body"] is None
