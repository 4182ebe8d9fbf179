"""Demo reports of the Hanoi team (``manage.py seed_demo`` calls
``seed_all`` after the tasks, proposals, matters and activities).

Dates follow today, so the demo reads the same whenever it is loaded:

- the last quarter whose cut-off has passed: contributions asked of Sở Xây
  dựng, Sở Nông nghiệp và Môi trường and the Bắc Ninh and Hưng Yên teams;
  three submitted (the Bắc Ninh team's late), the Hưng Yên team's never;
  compiled, approved by the leader and issued (its Số/BC is the register's
  next number): the figures are frozen;
- the month in progress: contributions asked, Sở Xây dựng's draft saved,
  the others still to come; not compiled yet.

The contributions' texts are plainly fictional demo content ("dữ liệu
mẫu"); the figures are the system's own counts. Idempotent: a report is
found by (body, period) and then left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body
from dieuphoi.paperwork import services as paper_services
from dieuphoi.workdays import calendar

from . import contributions, periods, services
from .models import Contribution, Report

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
CLERK, LEADER = "thuky", "truongto"
SXD_USER, SNNMT_USER, BAC_NINH_USER, HUNG_YEN_USER = (
    "daumoi.sxd",
    "daumoi.snnmt",
    "bacninh",
    "hungyen",
)
DAY = datetime.timedelta(days=1)

TEXTS = {
    "ket-qua": (
        "Trong kỳ, đơn vị đã triển khai các nhiệm vụ được Tổ điều phối giao theo "
        "kế hoạch (dữ liệu mẫu).\n"
        "Nội dung\tSố lượng\tGhi chú\n"
        "Nhiệm vụ được giao\t6\t\n"
        "Đã hoàn thành\t4\tđúng hạn 3\n"
        "Đang thực hiện\t2\t"
    ),
    "phoi-hop": "Phối hợp với các sở, ngành rà soát các điểm kết nối giáp ranh (dữ liệu mẫu).",
    "kho-khan": "Một số hồ sơ còn chờ ý kiến của các cơ quan liên quan (dữ liệu mẫu).",
    "kien-nghi": "Đề nghị Tổ điều phối đôn đốc các đơn vị phối hợp (dữ liệu mẫu).",
    "ky-toi": "Tiếp tục triển khai các nhiệm vụ còn lại đúng tiến độ (dữ liệu mẫu).",
}  # fmt: skip


def _sections(request) -> dict[str, str]:
    return {h["key"]: TEXTS.get(h["key"], "Nội dung mẫu.") for h in request.headings}


def _parties(today):
    agencies = {
        a.code: a for a in Agency.objects.as_of(today).filter(code__in=["SXD", "SNNMT"])
    }
    teams = {
        b.key: b
        for b in Body.objects.as_of(today).filter(
            key__in=["to-dieu-phoi-bac-ninh", "to-dieu-phoi-hung-yen"]
        )
    }
    return agencies, teams


def _find(body, period) -> Report | None:
    return (
        Report.objects.filter(
            body=body, period_type=period.type, start=period.start, end=period.end
        )
        .exclude(state__in=services.ENDED)
        .first()
    )


def _ask(clerk, report, agencies, teams, deadline, on):
    return contributions.contributions_request(
        actor=clerk,
        report=report,
        agencies=list(agencies.values()),
        party_bodies=list(teams.values()),
        deadline=deadline,
        message="Đề nghị các đơn vị gửi nội dung báo cáo theo các đề mục (dữ liệu mẫu).",
        on=on,
    )


def _contribution(request, *, agency=None, body=None) -> Contribution:
    return request.contributions.get(agency=agency, party_body=body)


def seed_quarter(body, clerk, leader, users, agencies, teams, today) -> Report | None:
    quarter = periods.period_of(periods.PeriodType.QUARTERLY, today)
    quarter = periods.period_of(periods.PeriodType.QUARTERLY, quarter.start - DAY)
    if _find(body, quarter):
        return None
    report = services.report_create(
        actor=clerk,
        body=body,
        period_type=quarter.type,
        year=quarter.year,
        number=quarter.number,
    )
    asked_on = calendar.add_working_days(quarter.end, -8)
    deadline = calendar.add_working_days(quarter.end, -2)
    request = _ask(clerk, report, agencies, teams, deadline, asked_on)
    on_time = calendar.add_working_days(deadline, -1)
    for user, kwargs, day in (
        (users.get(SXD_USER), {"agency": agencies["SXD"]}, on_time),
        (users.get(SNNMT_USER), {"agency": agencies["SNNMT"]}, deadline),
        (
            users.get(BAC_NINH_USER),
            {"body": teams["to-dieu-phoi-bac-ninh"]},
            calendar.add_working_days(deadline, 2),
        ),
    ):
        if user is None:
            continue
        contributions.contribution_submit(
            actor=user,
            contribution=_contribution(request, **kwargs),
            sections=_sections(request),
            on=day,
        )
    report = services.report_update(
        actor=clerk,
        report=report,
        version=report.version,
        difficulties=(
            "Một số nhiệm vụ liên tỉnh phụ thuộc tiến độ của các bộ, ngành trung ương "
            "(dữ liệu mẫu)."
        ),
        recommendations=(
            "Đề nghị UBND Thành phố chỉ đạo các sở, ngành hoàn thành các nhiệm vụ quá "
            "hạn trong quý tới (dữ liệu mẫu)."
        ),
    )
    report = services.report_compile(actor=clerk, report=report)
    paper = report.paper
    paper = paper_services.paper_submit(actor=clerk, paper=paper, version=paper.version)
    paper = paper_services.paper_approve(
        actor=leader, paper=paper, version=paper.version
    )
    paper_services.paper_issue(actor=clerk, paper_id=paper.pk)
    report.refresh_from_db()
    return report


def seed_month(body, clerk, users, agencies, teams, today) -> Report | None:
    month = periods.period_of(periods.PeriodType.MONTHLY, today)
    if _find(body, month):
        return None
    report = services.report_create(
        actor=clerk,
        body=body,
        period_type=month.type,
        year=month.year,
        number=month.number,
    )
    deadline = max(today, calendar.add_working_days(month.end, -2))
    request = _ask(clerk, report, agencies, teams, deadline, today)
    if users.get(SXD_USER):
        contributions.contribution_save(
            actor=users[SXD_USER],
            contribution=_contribution(request, agency=agencies["SXD"]),
            version=None,
            sections={"ket-qua": TEXTS["ket-qua"]},
        )
    return report


def ensure_section_templates() -> None:
    """The default headings (migration 0002) when none are left: a flushed
    database (the browser tests) keeps no migration data."""
    from importlib import import_module

    from .models import SectionTemplate

    if SectionTemplate.objects.exists():
        return
    defaults = import_module(
        "dieuphoi.reports.migrations.0002_default_section_templates"
    )
    SectionTemplate.objects.create(
        period_type="",
        name="Mẫu chung (tháng, quý, 6 tháng, 9 tháng, đột xuất)",
        headings=defaults.GENERAL,
    )
    SectionTemplate.objects.create(
        period_type="annual", name="Mẫu báo cáo năm", headings=defaults.YEARLY
    )


def seed_all() -> list[Report]:
    ensure_section_templates()
    today = local_today()
    body = Body.objects.as_of(today).filter(key=HANOI_TEAM_KEY).first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[
                CLERK,
                LEADER,
                SXD_USER,
                SNNMT_USER,
                BAC_NINH_USER,
                HUNG_YEN_USER,
            ]
        )
    }
    clerk, leader = users.get(CLERK), users.get(LEADER)
    agencies, teams = _parties(today)
    if (
        body is None
        or clerk is None
        or leader is None
        or len(agencies) < 2
        or len(teams) < 2
    ):
        return []
    out = []
    for make in (
        lambda: seed_quarter(body, clerk, leader, users, agencies, teams, today),
        lambda: seed_month(body, clerk, users, agencies, teams, today),
    ):
        try:
            with transaction.atomic():
                report = make()
        except ValidationError:
            # A registry without the parties on those dates: no demo report.
            continue
        if report is not None:
            out.append(report)
    return out
