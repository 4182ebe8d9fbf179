"""Demo activities of the Hanoi team (``manage.py seed_demo`` calls
``seed_all`` after the registry, tasks, proposals, key projects and matters).

Plainly illustrative ("minh họa") content, dated relative to the day the
demo is loaded: a joint meeting of the region's coordination teams hosted
by the Hanoi team ten days ago, with the Bắc Ninh, Hưng Yên and Phú Thọ
teams and Sở Xây dựng invited, their answers, attendance, minutes and three
conclusions, two of them turned into tasks (one for a Hanoi agency, one with
the Bắc Ninh team as a party); and a working session two weeks ahead. No
decree number, date or decision is invented. The seed records the answers
as the secretariat (the host's managers may answer for an invitee) and the
Giấy mời stays a draft: issuing it is the body's own paperwork.

Idempotent: an activity is found by (body, title) and then left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body

from . import services
from .models import Activity, Invitee

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
CLERK = "thuky"
PROVINCES = ("bac-ninh", "hung-yen", "phu-tho")
MEETING = "Hội nghị phối hợp các Tổ điều phối vùng Thủ đô (minh họa)"
SESSION = (
    "Làm việc với Tổ điều phối tỉnh Bắc Ninh về kết nối giao thông liên tỉnh (minh họa)"
)
DAY = datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), services.LOCAL)


def seed_meeting(body, clerk, teams, agencies) -> Activity | None:
    if Activity.objects.filter(body=body, title=MEETING).exists():
        return None
    today = local_today()
    day = today - 10 * DAY
    activity = services.activity_create(
        actor=clerk,
        body=body,
        kind=Activity.Kind.JOINT_MEETING,
        title=MEETING,
        description=(
            "Trao đổi tình hình phối hợp giải quyết các vấn đề liên tỉnh và thống nhất "
            "nhiệm vụ thời gian tới (nội dung minh họa)."
        ),
        starts_at=_at(day, 8, 30),
        ends_at=_at(day, 11, 30),
        place="Phòng họp tầng 3, trụ sở Sở Tài chính Hà Nội (địa điểm minh họa)",
        response_deadline=day - 3 * DAY,
        agenda=[
            {"title": "Báo cáo tình hình phối hợp liên tỉnh thời gian qua", "presenter": "Thường trực Tổ điều phối TP. Hà Nội"},
            {"title": "Ý kiến của các Tổ điều phối tỉnh", "presenter": "Đại diện các Tổ điều phối tỉnh"},
            {"title": "Kết luận của chủ trì hội nghị", "presenter": "Tổ trưởng Tổ điều phối TP. Hà Nội"},
        ],
        invitees=[*teams, agencies["SXD"]],
    )  # fmt: skip
    services.invitation_create(actor=clerk, activity=activity)
    invitees = {i.body_id or i.agency_id: i for i in activity.invitees.all()}
    answers = [
        (teams[0].pk, Invitee.Response.ATTEND, "", ""),
        (teams[1].pk, Invitee.Response.DELEGATE, "Trần Văn Bình (minh họa)", "Phó Trưởng phòng, Sở Tài chính"),
        (teams[2].pk, Invitee.Response.ATTEND, "", ""),
        (agencies["SXD"].pk, Invitee.Response.ATTEND, "", ""),
    ]  # fmt: skip
    for party, response, name, position in answers:
        invitee = invitees[party]
        invitee.activity = activity
        services.response_record(
            actor=clerk,
            invitee=invitee,
            response=response,
            delegate_name=name,
            delegate_position=position,
        )
    activity.refresh_from_db()
    rows = []
    for party, _response, name, _position in answers:
        invitee = invitees[party]
        rows.append(
            {
                "invitee": invitee.pk,
                "attended": "yes",
                "attendee_name": name or "Đại diện được cử (minh họa)",
                "on_behalf_of": invitee.name,
            }
        )
    activity = services.attendance_record(
        actor=clerk, activity=activity, version=activity.version, rows=rows
    )
    activity = services.minutes_save(
        actor=clerk,
        activity=activity,
        version=activity.version,
        minutes=(
            "Hội nghị đã nghe báo cáo của Thường trực Tổ điều phối TP. Hà Nội và ý kiến của "
            "các Tổ điều phối tỉnh; thống nhất các nội dung kết luận dưới đây (biên bản minh họa)."
        ),
    )
    first = services.conclusion_add(
        actor=clerk,
        activity=activity,
        text="Sở Xây dựng Hà Nội tổng hợp các điểm kết nối giao thông liên tỉnh cần ưu tiên, báo cáo Tổ điều phối (minh họa).",
        lead_agency=agencies["SXD"],
        deadline=today + 30 * DAY,
    )  # fmt: skip
    second = services.conclusion_add(
        actor=clerk,
        activity=activity,
        text="Phối hợp với Tổ điều phối tỉnh Bắc Ninh rà soát tiến độ giải phóng mặt bằng các đoạn tuyến giáp ranh (minh họa).",
        lead_agency=agencies["SXD"],
        cooperating_bodies=[teams[0]],
        deadline=today + 45 * DAY,
    )  # fmt: skip
    services.conclusion_add(
        actor=clerk,
        activity=activity,
        text="Các Tổ điều phối tỉnh gửi danh sách vấn đề liên tỉnh cần đưa vào chương trình hội nghị tiếp theo (minh họa).",
        deadline=today + 60 * DAY,
    )  # fmt: skip
    for conclusion in (first, second):
        conclusion.activity = activity
        services.conclusion_convert(actor=clerk, conclusion=conclusion)
    activity.refresh_from_db()
    services.conclusions_notice_create(actor=clerk, activity=activity)
    return activity


def seed_session(body, clerk, teams, agencies) -> Activity | None:
    if Activity.objects.filter(body=body, title=SESSION).exists():
        return None
    day = local_today() + 14 * DAY
    return services.activity_create(
        actor=clerk,
        body=body,
        kind=Activity.Kind.WORKING_SESSION,
        title=SESSION,
        starts_at=_at(day, 14, 0),
        ends_at=_at(day, 16, 30),
        place="Trực tuyến",
        online_link="https://meet.example.invalid/tdp-ha-noi-bac-ninh",
        agenda=[{"title": "Trao đổi các điểm kết nối giao thông giáp ranh", "presenter": "Sở Xây dựng"}],
        invitees=[teams[0], agencies["SXD"]],
    )  # fmt: skip


def seed_all() -> list[Activity]:
    today = local_today()
    body = Body.objects.as_of(today).filter(key=HANOI_TEAM_KEY).first()
    clerk = get_user_model().objects.filter(username=CLERK).first()
    if body is None or clerk is None:
        return []
    teams = list(
        Body.objects.as_of(today - 10 * DAY).filter(
            key__in=[f"to-dieu-phoi-{k}" for k in PROVINCES]
        )
    )
    teams.sort(key=lambda b: PROVINCES.index(b.key.removeprefix("to-dieu-phoi-")))
    agencies = {a.code: a for a in Agency.objects.as_of(today).filter(code__in=["SXD"])}
    if len(teams) < 3 or "SXD" not in agencies:
        return []
    out = []
    with transaction.atomic():
        for fn in (seed_meeting, seed_session):
            activity = fn(body, clerk, teams, agencies)
            if activity is not None:
                out.append(activity)
    return out
