"""Demo inspection of the Hanoi team (``manage.py seed_demo`` calls
``seed_all`` after the registry, the tasks, the documents engine and the
matters).

The inspection is plainly fictional ("minh họa"): the Hanoi team checks how
two Hanoi departments (Sở Xây dựng, Sở Nông nghiệp và Môi trường) carry out
their regional tasks. No official fact is stated: its findings are
illustrative, dated relative to the day the demo is loaded (the visit ten
days ago). Of its three findings, one became a follow-up task still within
its deadline, one a task now overdue, and one is not converted yet; the
Thông báo kết luận is drafted (not issued).

Idempotent: the inspection is found by (body, code) and then left alone.
"""

from __future__ import annotations

import contextlib
import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body

from . import services
from .models import Finding, Inspection

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
CLERK = "thuky"
AGENCIES = ("SXD", "SNNMT")
DAY = datetime.timedelta(days=1)
TITLE = (
    "Kiểm tra việc thực hiện các nhiệm vụ liên kết vùng tại Sở Xây dựng và "
    "Sở Nông nghiệp và Môi trường (minh họa)"
)
SCOPE = (
    "Việc triển khai các nhiệm vụ liên kết vùng được giao trong năm; việc phối "
    "hợp với các tỉnh trong Vùng Thủ đô; việc cập nhật tiến độ trên Hệ thống "
    "điều phối. (Nội dung minh họa, không phải số liệu thực tế.)"
)
# (severity, description, recommendation, agency code, deadline: days from
# today, converted on: days from today or None)
FINDINGS = [
    (
        Finding.Severity.MEDIUM,
        "Một số nhiệm vụ liên kết vùng chưa được cập nhật tiến độ đúng kỳ trên "
        "Hệ thống điều phối (minh họa).",
        "Rà soát, cập nhật đầy đủ tiến độ các nhiệm vụ được giao và cử đầu mối "
        "theo dõi thường xuyên.",
        "SXD",
        30,
        -5,
    ),
    (
        Finding.Severity.HIGH,
        "Việc lấy ý kiến các tỉnh liên quan đối với hồ sơ quy hoạch hạ tầng "
        "thoát nước liên vùng còn chậm so với kế hoạch (minh họa).",
        "Hoàn thành việc lấy ý kiến các tỉnh liên quan và báo cáo Tổ điều phối.",
        "SNNMT",
        -3,
        -9,
    ),
    (
        Finding.Severity.LOW,
        "Hồ sơ theo dõi việc phối hợp liên vùng chưa được lưu trữ tập trung "
        "(minh họa).",
        "Lập hồ sơ theo dõi tập trung các văn bản phối hợp liên vùng.",
        "SNNMT",
        45,
        None,
    ),
]


def seed_demo_inspection() -> Inspection | None:
    today = local_today()
    body = Body.objects.as_of(today).filter(key=HANOI_TEAM_KEY).first()
    clerk = get_user_model().objects.filter(username=CLERK).first()
    if body is None or clerk is None:
        return None
    code = f"KT-{(today - 45 * DAY).year}-01"
    if Inspection.objects.filter(body=body, code=code).exists():
        return None
    agencies = {
        a.code: a for a in Agency.objects.as_of(today).filter(code__in=AGENCIES)
    }
    if len(agencies) < len(AGENCIES):
        return None
    visit = timezone.make_aware(
        datetime.datetime.combine(today - 10 * DAY, datetime.time(8, 30))
    )
    inspection = services.inspection_create(
        actor=clerk,
        body=body,
        code=code,
        title=TITLE,
        planned_on=today - 45 * DAY,
        subject_agencies=[agencies[c] for c in AGENCIES],
        scope=SCOPE,
        period_from=(today - 45 * DAY).replace(month=1, day=1),
        period_to=today - 46 * DAY,
        leader=clerk,
        external_members="Chuyên gia tư vấn độc lập (minh họa)",
        visit_from=visit,
        visit_to=visit + datetime.timedelta(hours=8),
        place="Trụ sở Sở Xây dựng, Hà Nội",
    )
    inspection = services.inspection_transition(
        actor=clerk, inspection=inspection, action="start"
    )
    for severity, text, recommendation, agency, deadline, converted in FINDINGS:
        finding = services.finding_add(
            actor=clerk,
            inspection=inspection,
            severity=severity,
            description=text,
            recommendation=recommendation,
            agency=agencies[agency],
            deadline=today + deadline * DAY,
        )
        if converted is not None:
            services.finding_convert(
                actor=clerk, finding=finding, on=today + converted * DAY
            )
    inspection = services.inspection_transition(
        actor=clerk, inspection=inspection, action="record"
    )
    # No document kinds or no leader: the demo goes on without the paper.
    with contextlib.suppress(ValidationError):
        services.conclusion_create(actor=clerk, inspection=inspection)
    return inspection


def seed_all() -> list[Inspection]:
    with transaction.atomic():
        inspection = seed_demo_inspection()
    return [inspection] if inspection else []
