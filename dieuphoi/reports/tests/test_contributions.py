"""Contribution requests and contributions (``reports.contributions``): who
may ask and fill, every bad input refused with nothing written, submitted
once, late after the deadline, the completeness counts (DHIS2: expected,
submitted, on time) against a plain count."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Attachment
from dieuphoi.notifications.models import Notification
from dieuphoi.org.models import Body, Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyAgencyFactory,
    BodyFactory,
    MembershipFactory,
    UserFactory,
)
from dieuphoi.reports import contributions as services
from dieuphoi.reports import notices, periods
from dieuphoi.reports.models import (
    Contribution,
    ContributionRequest,
    Report,
    SectionTemplate,
)

DAY = datetime.timedelta(days=1)
HEADINGS = [
    {"key": "results", "title": "Kết quả thực hiện", "required": True, "hint": ""},
    {"key": "issues", "title": "Khó khăn, kiến nghị", "required": False, "hint": ""},
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _registered():
    """What ``ReportsConfig.ready()`` registers through ``contributions_ready``."""
    notices.contributions_ready()


def make_report(body, *, state=Report.State.DRAFT, on=None):
    p = periods.period_of("monthly", on or local_today())
    return Report.objects.create(
        body=body,
        period_type=p.type,
        year=p.year,
        number=p.number,
        start=p.start,
        end=p.end,
        deadline=p.deadline,
        title=f"Báo cáo kết quả công tác tháng {p.number:02d}/{p.year}",
        state=state,
    )


@pytest.fixture
def report(hanoi_team):
    return make_report(hanoi_team)


@pytest.fixture
def planning(hanoi_team):
    """A second member agency with its own focal point (``planner``)."""
    agency = AgencyFactory(code="SQHKT", name="Sở Quy hoạch - Kiến trúc")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    return agency


@pytest.fixture
def planner(hanoi_team, planning):
    user = UserFactory(username="planner", agency=planning)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=planning,
        valid_from=datetime.date(2022, 12, 1),
    )
    return user


@pytest.fixture
def asked(
    report,
    secretariat,
    leader,
    member_agency,
    member,
    planning,
    planner,
    other_team,
    external,
):
    """A request to two agencies and another province's team."""
    return services.contributions_request(
        actor=secretariat,
        report=report,
        agencies=[member_agency, planning],
        party_bodies=[other_team],
        deadline=report.deadline,
        headings=HEADINGS,
        message="Đề nghị gửi báo cáo đúng hạn.",
    )


def writes() -> int:
    return AuditEvent.objects.writes().count()


def party(request, agency=None, body=None) -> Contribution:
    if body is not None:
        return request.contributions.get(party_body=body)
    return request.contributions.get(agency=agency)


# --- the request -----------------------------------------------------------------------


def test_a_request_asks_each_party_once_and_tells_who_acts_for_it(
    asked, report, member_agency, other_team, member, planner, external, outsider
):
    assert asked.headings == HEADINGS
    assert asked.deadline == report.deadline
    rows = list(asked.contributions.order_by("name"))
    assert {(r.agency_id, r.party_body_id) for r in rows} == {
        (member_agency.pk, None),
        (party(asked, planner.agency).agency_id, None),
        (None, other_team.pk),
    }
    assert all(r.state == Contribution.State.PENDING for r in rows)
    told = Notification.objects.filter(kind=notices.REQUESTED)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "external",
        "member",
        "planner",
    ]
    mine = told.get(recipient=member)
    assert mine.url == party(asked, member_agency).get_absolute_url()
    assert report.deadline.strftime("%d/%m/%Y") in mine.title
    event = AuditEvent.objects.get(action="reports.contributions_request")
    assert event.target_id == str(report.pk)


def test_a_request_with_no_party_writes_nothing(report, secretariat):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.contributions_request(
            actor=secretariat, report=report, deadline=report.deadline
        )
    assert "parties" in exc.value.message_dict
    assert writes() == before
    assert not ContributionRequest.objects.exists()
    assert not Contribution.objects.exists()


def test_only_the_bodys_managers_ask(
    report, member, external, outsider, leadership_viewer, member_agency
):
    for user in (member, external, outsider, leadership_viewer):
        with pytest.raises(PermissionDenied):
            services.contributions_request(
                actor=user,
                report=report,
                agencies=[member_agency],
                deadline=report.deadline,
            )
    assert not ContributionRequest.objects.exists()


def test_bad_parties_and_deadlines_are_refused_on_their_field(
    report, secretariat, hanoi_team, member_agency
):
    today = local_today()
    ended = AgencyFactory(name="Sở đã hợp nhất", valid_to=today - 30 * DAY)
    council = BodyFactory(name="Hội đồng điều phối", kind=Body.Kind.COUNCIL)
    before = writes()
    cases = [
        ({"agencies": [member_agency, member_agency]}, "parties"),
        ({"party_bodies": [hanoi_team]}, "parties"),
        ({"party_bodies": [council]}, "parties"),
        ({"agencies": [ended]}, "parties"),
        ({"agencies": [member_agency], "deadline": today - DAY}, "deadline"),
        ({"agencies": [member_agency], "deadline": report.deadline + DAY}, "deadline"),
        ({"agencies": [member_agency], "deadline": None}, "deadline"),
        ({"agencies": [member_agency], "headings": []}, "headings"),
        ({"agencies": [member_agency], "headings": [{"title": ""}]}, "headings"),
        ({"agencies": [member_agency], "message": "x" * 6000}, "message"),
    ]
    for kwargs, field in cases:
        kwargs = {"deadline": report.deadline, **kwargs}
        with pytest.raises(ValidationError) as exc:
            services.contributions_request(actor=secretariat, report=report, **kwargs)
        assert field in exc.value.message_dict, (kwargs, exc.value.message_dict)
    assert writes() == before
    assert not ContributionRequest.objects.exists()


def test_a_party_is_asked_once_per_report(asked, report, secretariat, member_agency):
    with pytest.raises(ValidationError) as exc:
        services.contributions_request(
            actor=secretariat,
            report=report,
            agencies=[member_agency],
            deadline=report.deadline,
        )
    assert "parties" in exc.value.message_dict
    assert ContributionRequest.objects.count() == 1


@pytest.mark.parametrize(
    "state",
    [
        Report.State.APPROVED,
        Report.State.ISSUED,
        Report.State.SENT,
        Report.State.WITHDRAWN,
    ],
)
def test_no_request_once_the_report_is_approved_or_withdrawn(
    hanoi_team, secretariat, member_agency, state
):
    report = make_report(hanoi_team, state=state)
    with pytest.raises(ValidationError) as exc:
        services.contributions_request(
            actor=secretariat,
            report=report,
            agencies=[member_agency],
            deadline=report.deadline,
        )
    assert "state" in exc.value.message_dict
    assert not ContributionRequest.objects.exists()


def test_a_report_past_its_deadline_may_still_ask_for_a_short_while(
    hanoi_team, secretariat, member_agency
):
    report = make_report(hanoi_team, on=local_today() - 70 * DAY)
    assert report.deadline < local_today()
    request = services.contributions_request(
        actor=secretariat,
        report=report,
        agencies=[member_agency],
        deadline=local_today() + 3 * DAY,
    )
    assert request.contributions.count() == 1


def test_headings_come_from_the_period_types_template_then_the_blank_one(
    report, secretariat, member_agency, planning, other_team
):
    SectionTemplate.objects.create(
        name="Chung", period_type="", headings=[{"title": "Nội dung chung"}]
    )
    SectionTemplate.objects.create(
        name="Cũ", period_type="monthly", headings=[{"title": "Cũ"}], active=False
    )
    first = services.contributions_request(
        actor=secretariat,
        report=report,
        agencies=[member_agency],
        deadline=report.deadline,
    )
    assert [h["title"] for h in first.headings] == ["Nội dung chung"]
    SectionTemplate.objects.create(
        name="Tháng",
        period_type="monthly",
        headings=[
            {"key": "kq", "title": "Kết quả tháng", "required": True},
            {"key": "kn", "title": "Kiến nghị"},
        ],
    )
    second = services.contributions_request(
        actor=secretariat, report=report, agencies=[planning], deadline=report.deadline
    )
    assert [(h["key"], h["required"]) for h in second.headings] == [
        ("kq", True),
        ("kn", False),
    ]
    SectionTemplate.objects.all().delete()
    third = services.contributions_request(
        actor=secretariat,
        report=report,
        party_bodies=[other_team],
        deadline=report.deadline,
    )
    assert third.headings and third.headings[0]["required"]


# --- drafts and submission ---------------------------------------------------------------


def test_the_party_saves_drafts_and_a_stale_version_is_refused(
    asked, member, member_agency
):
    mine = party(asked, member_agency)
    saved = services.contribution_save(
        actor=member,
        contribution=mine,
        version=mine.version,
        sections={"results": "Một"},
    )
    assert saved.state == Contribution.State.DRAFT
    assert saved.version == mine.version + 1
    saved = services.contribution_save(
        actor=member,
        contribution=mine,
        version=saved.version,
        sections={"issues": "Hai"},
    )
    assert saved.sections == {"results": "Một", "issues": "Hai"}
    before = writes()
    with pytest.raises(Conflict):
        services.contribution_save(
            actor=member,
            contribution=mine,
            version=mine.version,
            sections={"results": "X"},
        )
    assert writes() == before
    mine.refresh_from_db()
    assert mine.sections["results"] == "Một"


def test_nobody_else_fills_a_partys_contribution(
    asked, member_agency, other_team, planner, external, secretariat, outsider, leader
):
    mine = party(asked, member_agency)
    for user in (planner, external, secretariat, leader, outsider):
        with pytest.raises(PermissionDenied):
            services.contribution_save(
                actor=user, contribution=mine, version=None, sections={"results": "x"}
            )
        with pytest.raises(PermissionDenied):
            services.contribution_submit(
                actor=user, contribution=mine, sections={"results": "x"}
            )
    mine.refresh_from_db()
    assert mine.state == Contribution.State.PENDING


def test_an_unknown_heading_is_refused_on_its_key(asked, member, member_agency):
    mine = party(asked, member_agency)
    with pytest.raises(ValidationError) as exc:
        services.contribution_save(
            actor=member, contribution=mine, version=None, sections={"other": "x"}
        )
    assert set(exc.value.message_dict) == {"other"}


def test_a_required_heading_left_empty_refuses_the_submission(
    asked, member, member_agency
):
    mine = party(asked, member_agency)
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.contribution_submit(
            actor=member, contribution=mine, sections={"results": "  ", "issues": "Có"}
        )
    assert set(exc.value.message_dict) == {"results"}
    assert writes() == before
    mine.refresh_from_db()
    assert (mine.state, mine.sections) == (Contribution.State.PENDING, {})


def test_submitted_once_on_time_and_the_secretariat_is_told(
    asked, member, member_agency, secretariat
):
    mine = party(asked, member_agency)
    done = services.contribution_submit(
        actor=member,
        contribution=mine,
        version=mine.version,
        sections={"results": "Kết quả\nA\tB\n1\t2"},
    )
    assert done.state == Contribution.State.SUBMITTED
    assert (done.submitted_on, done.late, done.submitted_by) == (
        local_today(),
        False,
        member,
    )
    told = Notification.objects.filter(kind=notices.SUBMITTED)
    assert list(told.values_list("recipient__username", flat=True)) == ["secretariat"]
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.contribution_submit(actor=member, contribution=done)
    assert "state" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.contribution_save(
            actor=member, contribution=done, version=None, sections={"results": "x"}
        )
    assert writes() == before


def test_late_after_the_requests_deadline(asked, external, other_team):
    theirs = party(asked, body=other_team)
    done = services.contribution_submit(
        actor=external,
        contribution=theirs,
        sections={"results": "Muộn"},
        on=asked.deadline + DAY,
    )
    assert done.late
    with translation.override("en"):
        assert notices.REQUESTED  # the title is read in the recipient's language
    title = Notification.objects.get(kind=notices.SUBMITTED).title
    assert theirs.name in title


def test_on_the_deadline_is_on_time(asked, member, member_agency):
    mine = party(asked, member_agency)
    done = services.contribution_submit(
        actor=member, contribution=mine, sections={"results": "x"}, on=asked.deadline
    )
    assert not done.late


@pytest.mark.parametrize(
    "state", [Report.State.APPROVED, Report.State.ISSUED, Report.State.WITHDRAWN]
)
def test_nothing_is_accepted_after_approval_or_withdrawal(
    asked, report, member, member_agency, state
):
    mine = party(asked, member_agency)
    Report.objects.filter(pk=report.pk).update(state=state)
    before = writes()
    for call in (
        lambda: services.contribution_save(
            actor=member, contribution=mine, version=None, sections={"results": "x"}
        ),
        lambda: services.contribution_submit(
            actor=member, contribution=mine, sections={"results": "x"}
        ),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert "state" in exc.value.message_dict
    assert writes() == before
    mine.refresh_from_db()
    assert mine.state == Contribution.State.PENDING


def test_files_go_with_the_submission_and_a_bad_file_refuses_it(
    asked, member, member_agency
):
    mine = party(asked, member_agency)
    with pytest.raises(ValidationError):
        services.contribution_submit(
            actor=member,
            contribution=mine,
            sections={"results": "x"},
            files=[SimpleUploadedFile("bao-cao.pdf", b"not a pdf")],
        )
    mine.refresh_from_db()
    assert mine.state == Contribution.State.PENDING
    assert not Attachment.objects.exists()
    services.contribution_submit(
        actor=member,
        contribution=mine,
        sections={"results": "x"},
        files=[SimpleUploadedFile("bao-cao.pdf", PDF)],
    )
    assert Attachment.objects.get().original_name == "bao-cao.pdf"


# --- completeness -------------------------------------------------------------------------


def test_completeness_per_request_and_report_against_a_plain_count(
    asked,
    report,
    secretariat,
    member,
    member_agency,
    planner,
    planning,
    external,
    other_team,
):
    fourth = AgencyFactory(name="Sở Giao thông vận tải")
    BodyAgencyFactory(body=report.body, agency=fourth, role="member")
    second = services.contributions_request(
        actor=secretariat, report=report, agencies=[fourth], deadline=report.deadline
    )
    services.contribution_submit(
        actor=member,
        contribution=party(asked, member_agency),
        sections={"results": "a"},
    )
    services.contribution_submit(
        actor=planner, contribution=party(asked, planning), sections={"results": "b"}
    )
    services.contribution_submit(
        actor=external,
        contribution=party(asked, body=other_team),
        sections={"results": "c"},
        on=asked.deadline + DAY,
    )
    stats = services.contribution_stats(report)
    rows = list(Contribution.objects.filter(request__report=report))
    expected = len(rows)
    submitted = sum(r.state == "submitted" for r in rows)
    on_time = sum(r.state == "submitted" and not r.late for r in rows)
    total = stats.completeness
    assert (total.expected, total.submitted, total.on_time) == (
        expected,
        submitted,
        on_time,
    )
    assert (total.expected, total.submitted, total.on_time, total.late) == (4, 3, 2, 1)
    assert [r.request.pk for r in stats.requests] == [asked.pk, second.pk]
    assert stats.requests[0].completeness.expected == 3
    assert stats.requests[1].completeness.missing == 1
    assert str(total.submitted_rate) == "75.00" and str(total.on_time_rate) == "50.00"
    with translation.override("en"):
        assert total.line == "Submitted 3/4 (75.00%), on time 2/4 (50.00%)"
    by_party = services.contribution_stats_by_party(
        report.body, report.start, report.end
    )
    assert {
        p.name: (p.completeness.submitted, p.completeness.on_time) for p in by_party
    } == {
        r.name: (
            int(r.state == "submitted"),
            int(r.state == "submitted" and not r.late),
        )
        for r in rows
    }
    # Outside the period: nothing.
    assert (
        services.contribution_stats_by_party(
            report.body, report.end + DAY, report.end + 40 * DAY
        )
        == []
    )


def test_an_empty_report_has_no_rates(report):
    stats = services.contribution_stats(report)
    assert stats.requests == [] and stats.completeness.submitted_rate is None


def test_my_contributions_lists_those_the_user_acts_for(
    asked, member, external, planner, outsider, secretariat, member_agency, other_team
):
    assert [c.pk for c in services.my_contributions(member)] == [
        party(asked, member_agency).pk
    ]
    assert [c.pk for c in services.my_contributions(external)] == [
        party(asked, body=other_team).pk
    ]
    assert services.my_contributions(outsider) == []


# --- who may see a contribution, in bulk (notification centre and badge) ------------


def test_the_bulk_visibility_check_agrees_with_the_rule_in_fixed_queries(
    asked,
    member,
    planner,
    external,
    secretariat,
    leader,
    outsider,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dieuphoi.reports.permissions import (
        can_view_contribution,
        contribution_visible_pairs,
    )

    people = [member, planner, external, secretariat, leader, outsider]
    items = list(asked.contributions.all())
    assert len(items) == 3
    pairs = {(u.pk, c.pk) for u in people for c in items}
    expected = {
        (u.pk, c.pk) for u in people for c in items if can_view_contribution(u, c)
    }
    # The rule tells them apart: not everyone sees everything, nor nothing.
    assert expected and expected != pairs
    assert (outsider.pk, items[0].pk) not in expected
    assert contribution_visible_pairs(pairs, local_today()) == expected

    # Fixed queries: one contribution or three cost the same.
    def cost(chosen) -> int:
        with CaptureQueriesContext(connection) as ctx:
            contribution_visible_pairs(
                {(u.pk, c.pk) for u in people for c in chosen}, local_today()
            )
        return len(ctx.captured_queries)

    assert cost(items[:1]) == cost(items)
