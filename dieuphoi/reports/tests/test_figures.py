"""The compiled figures equal a plain-Python count over the same rows, stay
the same when the data changes after the cut-off, and cost a fixed number of
queries."""

from __future__ import annotations

import datetime
import json
from collections import Counter

import pytest

from dieuphoi.reports import figures as F
from dieuphoi.reports import periods
from dieuphoi.tasks import buckets, history
from dieuphoi.tasks.models import (
    DeadlineChange,
    ExtensionRequest,
    Task,
    TaskLeadChange,
    TaskStateChange,
)

from .conftest import COMPILED, at, june, later_events

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
S = Task.State


# --- the plain reference --------------------------------------------------------------


def plain_records(body) -> dict[int, dict]:
    """Every task of ``body`` with its dated history, as ``history.snapshot``
    takes it (read row by row, no SQL rule)."""
    tasks = list(Task.objects.filter(body=body).order_by("id"))
    out = {}
    for t in tasks:
        states = list(
            TaskStateChange.objects.filter(task=t)
            .order_by("on", "id")
            .values_list("on", "to_state")
        )
        deadlines = list(
            DeadlineChange.objects.filter(task=t).order_by("effective_on", "id")
        )
        leads = list(TaskLeadChange.objects.filter(task=t).order_by("on", "id"))
        out[t.pk] = {
            "task": t,
            "assigned_on": t.assigned_on,
            "lead": leads[0].old_agency_id if leads else t.lead_agency_id,
            "deadline": deadlines[0].old_deadline if deadlines else t.deadline,
            "completed_on": t.completed_on,
            "states": states,
            "deadlines": [(d.effective_on, d.new_deadline) for d in deadlines],
            "leads": [(c.on, c.new_agency_id) for c in leads],
            "progress": [],
        }
    return out


def plain_bucket(record, on):
    return buckets.bucket_of(history.snapshot(record, on), on)


def plain_urgings(task, on) -> int:
    from dieuphoi.letters.models import LetterTask
    from dieuphoi.reminders.models import Reminder

    notices = [
        r
        for r in Reminder.objects.filter(task=task)
        if r.kind == Reminder.Kind.URGING and r.part_id is None and r.sent_on <= on
    ]
    letters = [
        link
        for link in LetterTask.objects.filter(task=task).select_related("letter")
        if link.letter.status == "done" and link.letter.on <= on
    ]
    return len(notices) + len(letters)


def plain_counts(body, period) -> dict:
    start, end = period.start, period.end
    records = plain_records(body)
    window = {pk: r for pk, r in records.items() if start <= r["assigned_on"] <= end}
    in_window = Counter(plain_bucket(r, end) for r in window.values())
    by_lead: dict[int, Counter] = {}
    for r in window.values():
        b = plain_bucket(r, end)
        if b is not None:
            lead = history.snapshot(r, end)["lead"]
            by_lead.setdefault(lead, Counter())[b] += 1
    completed = Counter()
    for r in records.values():
        if r["assigned_on"] > end:
            continue
        then, before = history.snapshot(r, end), history.snapshot(r, start - DAY)
        if then["state"] == S.COMPLETED and before["state"] != S.COMPLETED:
            completed[plain_bucket(r, end)] += 1
    overdue = [
        r
        for r in records.values()
        if r["assigned_on"] <= end and plain_bucket(r, end) == buckets.OVERDUE
    ]
    from dieuphoi.reminders.models import TaskEscalation

    escalated = {
        e.task_id for e in TaskEscalation.objects.all() if e.escalated_on <= end
    }
    extensions = [
        e
        for e in ExtensionRequest.objects.filter(task__body=body)
        if e.part_id is None
        and e.state in ExtensionRequest.APPROVED_STATES
        and e.decided_on
        and start <= e.decided_on <= end
    ]
    key = [
        r
        for r in window.values()
        if r["task"].is_key and plain_bucket(r, end) is not None
    ]
    return {
        "buckets": {name: in_window[name] for name in buckets.BUCKETS},
        "cancelled": in_window[None],
        "by_lead": {
            lead: {name: c[name] for name in buckets.BUCKETS}
            for lead, c in by_lead.items()
        },
        "completed": completed,
        "overdue": overdue,
        "urgings": {r["task"].pk: plain_urgings(r["task"], end) for r in overdue},
        "escalated": {r["task"].pk for r in overdue} & escalated,
        "extensions": extensions,
        "key": key,
    }


def compile_at(day, body, period=None):
    with at(day):
        return F.compile_figures(body, period or june())


def without_time(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "computed_at"}


# --- the numbers --------------------------------------------------------------------


class TestNumbersEqualThePlainCount:
    def test_tasks(self, report_world):
        body = report_world["body"]
        fig = compile_at(COMPILED, body)
        with at(COMPILED):
            plain = plain_counts(body, june())
        t = fig["tasks"]
        totals = t["counts"]["totals"]
        for name in buckets.BUCKETS:
            assert totals[name] == plain["buckets"][name], name
        assert totals["total"] == sum(plain["buckets"].values())
        assert t["assigned"]["count"] == totals["total"]
        assert t["cancelled"]["count"] == plain["cancelled"]
        by_agency = {
            row["id"]: {name: row[name] for name in buckets.BUCKETS}
            for row in t["counts"]["by_agency"]
        }
        assert by_agency == plain["by_lead"]
        completed = plain["completed"]
        assert t["completed"]["on_time"] == completed[buckets.COMPLETED_ON_TIME]
        assert t["completed"]["late"] == completed[buckets.COMPLETED_LATE]
        assert t["completed"]["count"] == sum(completed.values())
        assert t["overdue"]["count"] == len(plain["overdue"])
        assert t["overdue"]["urgings"] == sum(plain["urgings"].values())
        assert t["overdue"]["urged"] == sum(1 for n in plain["urgings"].values() if n)
        assert t["overdue"]["escalated"] == len(plain["escalated"])
        rows = {row["id"]: row for row in t["overdue"]["rows"]}
        assert set(rows) == {r["task"].pk for r in plain["overdue"]}
        for pk, n in plain["urgings"].items():
            assert rows[pk]["urgings"] == n
            assert rows[pk]["escalated"] == (pk in plain["escalated"])
        assert t["extensions"]["count"] == len(plain["extensions"])
        assert t["extensions"]["tasks"] == len({e.task_id for e in plain["extensions"]})
        assert t["key"]["count"] == len(plain["key"])
        key_rows = {row["id"]: row for row in t["key"]["rows"]}
        for r in plain["key"]:
            snap = history.snapshot(r, june().end)
            row = key_rows[r["task"].pk]
            assert row["bucket"] == plain_bucket(r, june().end)
            assert row["deadline"] == (
                snap["deadline"].isoformat() if snap["deadline"] else None
            )
            assert row["lead_id"] == snap["lead"]
            assert row["code"] == r["task"].code

    def test_the_scenario_is_not_trivial(self, report_world):
        """The plain count above is checked on something: every kind of
        figure is non-zero in the scenario (the numbers are the
        scenario's own, written out by hand from the conftest)."""
        fig = compile_at(COMPILED, report_world["body"])
        t = fig["tasks"]
        assert t["counts"]["totals"]["total"] == 6
        assert t["cancelled"]["count"] == 1
        assert (t["completed"]["on_time"], t["completed"]["late"]) == (2, 1)
        assert (t["overdue"]["count"], t["overdue"]["urgings"]) == (2, 4)
        assert t["overdue"]["escalated"] == 1
        assert t["escalations"]["count"] == 1
        assert t["extensions"]["count"] == 1
        assert t["key"]["count"] == 2
        assert report_world["other_body"].pk not in {
            r["id"] for r in t["overdue"]["rows"] + t["key"]["rows"]
        }

    def test_other_sections(self, report_world):
        w = report_world
        fig = compile_at(COMPILED, w["body"])
        p = fig["proposals"]
        states = {row["state"]: {r["id"] for r in row["rows"]} for row in p["by_state"]}
        assert states == {
            "draft": {w["proposal_old"].pk},
            "consultation": {w["proposal"].pk},
        }
        assert (p["rounds"]["opened"], p["rounds"]["open_at_end"]) == (1, 1)
        assert p["answers"] == {
            "asked": 2,
            "answered": 1,
            "on_time": 1,
            "silent": 0,
            "late": 0,
            "pending": 1,
        }
        m = fig["matters"]
        assert {name: g["count"] for name, g in m.items()} == {
            "opened": 3,
            "resolved": 1,
            "escalated": 1,
            "open_at_end": 1,
        }
        assert [r["id"] for r in m["resolved"]["rows"]] == [w["matter_resolved"].pk]
        assert [r["id"] for r in m["open_at_end"]["rows"]] == [w["matter_open"].pk]
        a = fig["activities"]
        assert a["held"]["count"] == 1
        assert [(k["kind"], k["count"]) for k in a["held"]["by_kind"]] == [
            ("joint_meeting", 1)
        ]
        assert a["conclusions"] == {"count": 1, "converted": 0}
        k = fig["keyprojects"]
        assert (k["due"], k["on_time"], k["late"], k["not_met"]) == (3, 1, 1, 1)

    def test_the_dict_is_json(self, report_world):
        fig = compile_at(COMPILED, report_world["body"])
        assert json.loads(json.dumps(fig)) == fig
        assert fig["as_of"] == june().end.isoformat()
        assert fig["rule"] == [str(p) for p in buckets.rule_key()]

    def test_an_empty_period_is_all_zeros(self, hanoi_team):
        empty = periods.period("monthly", 2024, 3)
        fig = F.compile_figures(hanoi_team, empty)
        assert fig["tasks"]["counts"]["totals"]["total"] == 0
        assert fig["tasks"]["counts"]["by_agency"] == []
        assert fig["tasks"]["completed"]["count"] == 0
        assert fig["tasks"]["overdue"]["rows"] == []
        assert fig["proposals"]["total"] == 0
        assert fig["matters"]["opened"]["count"] == 0
        assert fig["activities"]["held"]["count"] == 0
        assert fig["keyprojects"]["due"] == 0

    def test_another_body_sees_none_of_it(self, report_world, other_team):
        fig = compile_at(COMPILED, other_team)
        assert fig["tasks"]["counts"]["totals"]["total"] == 1
        assert fig["tasks"]["key"]["count"] == 0
        assert fig["matters"]["opened"]["count"] == 0
        assert fig["proposals"]["total"] == 0


class TestAsOfInvariance:
    def test_later_events_change_nothing(
        self, report_world, member, secretariat, leader, standing_agency
    ):
        first = compile_at(COMPILED, report_world["body"])
        later_events(
            report_world,
            member=member,
            secretariat=secretariat,
            leader=leader,
            standing_agency=standing_agency,
        )
        # The later events did happen: the present differs.
        task = Task.objects.get(pk=report_world["key_overdue"].pk)
        assert task.state == S.COMPLETED
        second = F.compile_figures(report_world["body"], june())
        assert without_time(second) == without_time(first)
        assert second["computed_at"] != first["computed_at"]


class TestMergedAgency:
    def test_a_2025_predecessor_counts_under_its_successor(
        self, hanoi_team, standing_agency, secretariat
    ):
        """Sở Kế hoạch và Đầu tư merged into Sở Tài chính on 01/03/2025: its
        tasks of the 2025 year count under Sở Tài chính."""
        from dieuphoi.org.tests.factories import AgencyFactory, BodyAgencyFactory

        from .conftest import new_task

        planning = AgencyFactory(
            code="SKHDT",
            name="Sở Kế hoạch và Đầu tư",
            valid_to=datetime.date(2025, 2, 28),
        )
        BodyAgencyFactory(
            body=hanoi_team, agency=planning, valid_to=datetime.date(2025, 2, 28)
        )
        standing_agency.predecessors.add(planning)
        with at(datetime.date(2025, 1, 6)):
            new_task(
                secretariat,
                hanoi_team,
                planning,
                deadline=datetime.date(2025, 1, 20),
                title="Kế hoạch đầu tư công",
            )
        with at(datetime.date(2025, 4, 1)):
            new_task(
                secretariat,
                hanoi_team,
                standing_agency,
                deadline=datetime.date(2026, 1, 30),
                title="Dự toán",
            )
        year = periods.period("annual", 2025)
        fig = F.compile_figures(hanoi_team, year)
        rows = fig["tasks"]["counts"]["by_agency"]
        assert [(r["id"], r["total"]) for r in rows] == [(standing_agency.pk, 2)]
        assert rows[0][buckets.OVERDUE] == 1


class TestQueries:
    def test_query_count_does_not_grow_with_the_tasks(
        self, report_world, secretariat, member_agency, django_assert_max_num_queries
    ):
        from .conftest import new_task, urge

        body = report_world["body"]
        with at(COMPILED), django_assert_max_num_queries(40) as small:
            F.compile_figures(body, june())
        with at(datetime.date(2026, 5, 26)):
            for i in range(15):
                task = new_task(
                    secretariat,
                    body,
                    member_agency,
                    deadline=datetime.date(2026, 6, 1),
                    title=f"Thêm {i}",
                    is_key=bool(i % 2),
                )
                urge(task, datetime.date(2026, 6, 9), 1)
        with at(COMPILED), django_assert_max_num_queries(len(small.captured_queries)):
            fig = F.compile_figures(body, june())
        assert fig["tasks"]["overdue"]["count"] == 17

    def test_progress_is_reported_per_section(self, hanoi_team):
        calls = []
        F.compile_figures(
            hanoi_team,
            periods.period("monthly", 2024, 3),
            progress=lambda done, total: calls.append((done, total)),
        )
        assert calls == [(n, len(F.SECTIONS)) for n in range(len(F.SECTIONS) + 1)]


class TestFigureUrl:
    def test_task_list_address_has_the_filters(self):
        url = F.figure_url("tasks", {"on": "2026-06-14", "bucket": "overdue"})
        assert (
            url.startswith("/") and "bucket=overdue" in url and "on=2026-06-14" in url
        )

    def test_detail_and_unknown(self, report_world):
        assert F.figure_url("matter", {"id": report_world["matter_open"].pk}).endswith(
            f"/{report_world['matter_open'].pk}/"
        )
        assert F.figure_url("nothing", {}) == ""
        assert F.figure_url("task", {"id": "x"}) == ""

    def test_each_task_figure_lists_exactly_its_tasks(self, report_world, admin_user):
        """The task list behind each figure, as of the cut-off, holds as many
        tasks as the figure counts."""
        from dieuphoi.tasks import selectors

        body = report_world["body"]
        fig = compile_at(COMPILED, body)
        t = fig["tasks"]
        pairs = [
            (t["assigned"]["count"], t["assigned"]["params"]),
            (t["cancelled"]["count"], t["cancelled"]["params"]),
            (t["completed"]["count"], t["completed"]["params"]),
            (t["completed"]["on_time"], t["completed"]["on_time_params"]),
            (t["completed"]["late"], t["completed"]["late_params"]),
            (t["overdue"]["count"], t["overdue"]["params"]),
            (t["extensions"]["tasks"], t["extensions"]["params"]),
            (t["key"]["count"], t["key"]["params"]),
        ]
        pairs += [(row["total"], row["params"]) for row in t["counts"]["by_agency"]]
        with at(COMPILED):
            for count, params in pairs:
                filters, errors = selectors.parse_task_filters(params)
                assert errors == {}
                qs = selectors.task_queryset(user=admin_user, filters=filters)
                qs = qs.filter(body=body)
                if "bucket" not in params and "cancelled" not in params:
                    qs = qs.filter(buckets.counted_q(filters.on))
                assert qs.count() == count, params


class TestPartial:
    def test_every_section_renders_with_links(self, report_world):
        from django.template.loader import render_to_string
        from django.utils import translation

        fig = compile_at(COMPILED, report_world["body"])
        with translation.override("vi"):
            html = render_to_string("reports/_figures.html", {"figures": fig})
        t = fig["tasks"]
        assert (
            F.figure_url("tasks", t["overdue"]["params"]).replace("&", "&amp;") in html
        )
        assert F.figure_url("task", {"id": t["key"]["rows"][0]["id"]}) in html
        assert F.figure_url("matter", {"id": report_world["matter_open"].pk}) in html
        assert "14/06/2026" in html
        assert "<html" not in html
