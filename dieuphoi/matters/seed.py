"""Demo inter-provincial matters of the Hanoi team (``manage.py seed_demo``
calls ``seed_all`` after the registry, tasks, proposals and key projects).

Four real public matters of the Capital Region, stated only by what they are
about and the provinces concerned; no official document number is given
(none is in ``domain.md`` for them). The log entries are plainly fictional
("minh họa"): letters, meetings and calls between the teams, dated relative
to the day the demo is loaded.

- Ring Road 4 - Capital Region land clearance with Hưng Yên and Bắc Ninh
  (coordinating; shared with the Bắc Ninh team).
- Nhuệ-Đáy river pollution with the downstream province, raised in 2024 with
  Hà Nam (merged into Ninh Bình on 01/07/2025: the page shows the successor);
  escalated to the Council. The Prime Minister's directive on the river basin
  is mentioned without a number (no source document in ``domain.md``).
- Flood drainage on the rivers flowing from the western uplands into Hanoi,
  raised in 2024 with Hòa Bình (now Phú Thọ); coordinating and stale.
- Lào Cai - Hà Nội - Hải Phòng standard-gauge railway land clearance (new).

Idempotent: a matter is found by (body, code) and then left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from dieuphoi.core.models import local_today
from dieuphoi.org.models import AdministrativeUnit, Agency, Body

from . import services
from .models import LogEntry, Matter

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
CLERK = "thuky"
OWNER = "chuyenvien"
LEADER = "truongto"
DAY = datetime.timedelta(days=1)
K = LogEntry.Kind


def _unit(key: str, on: datetime.date) -> AdministrativeUnit:
    return AdministrativeUnit.objects.as_of(on).get(key=key)


def _agencies(codes, on):
    return list(Agency.objects.as_of(on).filter(code__in=codes))


def _team(unit_key: str, on: datetime.date) -> Body | None:
    return (
        Body.objects.as_of(on)
        .filter(kind=Body.Kind.TEAM, unit__key=unit_key)
        .order_by("-valid_from")
        .first()
    )


def _matters(today: datetime.date) -> list[dict]:
    recent = today - 75 * DAY
    return [
        {
            "code": f"VD-{recent.year}-901",
            "title": "Phối hợp giải phóng mặt bằng Dự án Đường Vành đai 4 - Vùng Thủ đô "
            "đoạn giáp ranh Hưng Yên, Bắc Ninh",
            "description": "Thống nhất với các tỉnh Hưng Yên, Bắc Ninh tiến độ bàn giao "
            "mặt bằng, di dời hạ tầng kỹ thuật và tái định cư ở các đoạn tuyến giáp "
            "ranh (nội dung minh họa).",
            "raised_on": recent,
            "provinces": ["ha-noi", "hung-yen", "bac-ninh"],
            "agencies": ["BXD"],
            "raised_by_agency": "SXD",
            "sector": "giao-thong",
            "competence": Matter.Competence.CITY,
            "priority": Matter.Priority.HIGH,
            "state": "coordinate",
            "log": [
                (K.LETTER_SENT, 70, "Gửi văn bản đề nghị Tổ điều phối tỉnh Hưng Yên, "
                 "Bắc Ninh cung cấp tiến độ giải phóng mặt bằng đoạn giáp ranh (minh họa).",
                 ["hung-yen", "bac-ninh"]),
                (K.MEETING, 30, "Họp trực tuyến giữa ba Tổ điều phối thống nhất lịch "
                 "bàn giao mặt bằng đợt tiếp theo (minh họa).", ["hung-yen", "bac-ninh"]),
                (K.CALL, 4, "Trao đổi qua điện thoại với đầu mối Tổ điều phối tỉnh "
                 "Bắc Ninh về hồ sơ di dời đường điện (minh họa).", ["bac-ninh"]),
            ],
        },
        {
            "code": "VD-2024-901",
            "title": "Ô nhiễm nước sông Nhuệ - sông Đáy: phối hợp với tỉnh hạ lưu",
            "description": "Phối hợp xử lý nước thải đổ vào sông Nhuệ, sông Đáy "
            "theo chỉ đạo của Thủ tướng Chính phủ về bảo vệ môi trường lưu vực sông; "
            "quan trắc chung chất lượng nước tại ranh giới Hà Nội - Hà Nam (nay thuộc "
            "tỉnh Ninh Bình). Nội dung nhật ký là minh họa.",
            "raised_on": datetime.date(2024, 9, 16),
            "provinces": ["ha-noi", "ha-nam"],
            "agencies": ["BTNMT"],
            "raised_by_body": "ha-nam",
            "sector": "tai-nguyen-moi-truong",
            "competence": Matter.Competence.GOVERNMENT,
            "priority": Matter.Priority.URGENT,
            "state": "escalate",
            "reason": "Cần Hội đồng điều phối vùng thống nhất cơ chế quan trắc chung "
            "và kiến nghị Trung ương hỗ trợ đầu tư xử lý nước thải (minh họa).",
            "log": [
                (K.LETTER_RECEIVED, None, "Nhận văn bản của Tổ điều phối tỉnh Hà Nam "
                 "phản ánh chất lượng nước sông Nhuệ đoạn chảy qua địa bàn tỉnh (minh họa).",
                 ["ha-nam"]),
                (K.FIELD_VISIT, 20, "Khảo sát thực địa các điểm xả thải chính trên sông "
                 "Nhuệ cùng đại diện Tổ điều phối tỉnh Ninh Bình (minh họa).", ["ninh-binh"]),
            ],
        },
        {
            "code": "VD-2024-902",
            "title": "Tiêu thoát lũ các sông từ vùng đồi núi phía Tây chảy vào Hà Nội",
            "description": "Phối hợp vận hành, cảnh báo và tiêu thoát lũ trên các "
            "sông, suối từ vùng đồi núi phía Tây (Hòa Bình, nay thuộc tỉnh Phú Thọ) "
            "chảy vào địa bàn Hà Nội (nội dung minh họa).",
            "raised_on": datetime.date(2024, 10, 7),
            "provinces": ["ha-noi", "hoa-binh"],
            "agencies": ["BNNPTNT"],
            "raised_by_agency": "SNNPTNT",
            "sector": "thuy-loi",
            "competence": Matter.Competence.COUNCIL,
            "priority": Matter.Priority.NORMAL,
            "state": "coordinate",
            "log": [
                (K.MEETING, None, "Họp với Tổ điều phối tỉnh Hòa Bình về phương án "
                 "cảnh báo lũ trên các sông suối giáp ranh (minh họa).", ["hoa-binh"]),
                (K.LETTER_SENT, 60, "Gửi Tổ điều phối tỉnh Phú Thọ đề nghị cập nhật danh "
                 "mục công trình tiêu thoát lũ giáp ranh (minh họa).", ["phu-tho"]),
            ],
        },
        {
            "code": f"VD-{(today - 12 * DAY).year}-902",
            "title": "Giải phóng mặt bằng tuyến đường sắt Lào Cai - Hà Nội - Hải Phòng "
            "đoạn qua Hà Nội và các tỉnh lân cận",
            "description": "Phối hợp với các tỉnh có tuyến đường sắt khổ tiêu chuẩn "
            "đi qua về ranh giới, tái định cư và di dời công trình (minh họa).",
            "raised_on": today - 12 * DAY,
            "provinces": ["ha-noi", "phu-tho", "bac-ninh", "hung-yen", "hai-phong"],
            "agencies": ["BXD"],
            "raised_by_agency": "BXD",
            "sector": "giao-thong",
            "competence": Matter.Competence.GOVERNMENT,
            "priority": Matter.Priority.HIGH,
            "state": "",
            "log": [
                (K.CALL, 5, "Trao đổi với đầu mối các Tổ điều phối tỉnh để lập danh sách "
                 "đầu mối giải phóng mặt bằng (minh họa).", ["phu-tho", "hung-yen"]),
            ],
        },
    ]  # fmt: skip


def seed_demo_matters() -> list[Matter]:
    User = get_user_model()
    hanoi = Body.objects.filter(key=HANOI_TEAM_KEY).first()
    clerk = User.objects.filter(username=CLERK).first()
    leader = User.objects.filter(username=LEADER).first()
    owner = User.objects.filter(username=OWNER).first()
    if hanoi is None or clerk is None:
        return []
    from dieuphoi.tasks.models import Sector

    today = local_today()
    out = []
    for spec in _matters(today):
        if Matter.objects.filter(body=hanoi, code=spec["code"]).exists():
            continue
        on = spec["raised_on"]
        raised_body = None
        if spec.get("raised_by_body"):
            raised_body = _team(spec["raised_by_body"], on)
        raised_agency = None
        if spec.get("raised_by_agency"):
            raised_agency = (
                Agency.objects.as_of(on).filter(code=spec["raised_by_agency"]).first()
            )
        matter = services.matter_create(
            actor=clerk,
            body=hanoi,
            code=spec["code"],
            title=spec["title"],
            description=spec["description"],
            raised_on=on,
            provinces=[_unit(k, on) for k in spec["provinces"]],
            agencies=_agencies(spec["agencies"], on),
            raised_by_body=raised_body,
            raised_by_agency=raised_agency,
            sector=Sector.objects.filter(key=spec["sector"]).first(),
            competence=spec["competence"],
            priority=spec["priority"],
            owner=owner,
        )
        for kind, days_ago, summary, team_units in spec["log"]:
            day = on if days_ago is None else today - days_ago * DAY
            services.log_add(
                actor=clerk,
                matter=matter,
                kind=kind,
                occurred_on=day,
                summary=summary,
                bodies=[b for k in team_units if (b := _team(k, day)) is not None],
            )
        if spec["state"] == "coordinate":
            matter = services.transition(
                actor=clerk, matter=matter, action="coordinate"
            )
        elif spec["state"] == "escalate":
            matter = services.transition(
                actor=leader or clerk,
                matter=matter,
                action="escalate",
                reason=spec["reason"],
            )
        out.append(matter)
    return out


def seed_all() -> list[Matter]:
    with transaction.atomic():
        return seed_demo_matters()
