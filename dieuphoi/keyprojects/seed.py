"""Demo key project of the Hanoi team (``manage.py seed_demo`` calls
``seed_all`` after the registry, the tasks and the proposals).

Ring Road 4 - Capital Region is a real project through Hanoi, Hưng Yên and
Bắc Ninh, followed by the demo tasks already (``dieuphoi.tasks.seed``). Only
its name and the provinces it crosses are stated here. No investment amount,
investor, decision or official date is seeded: the phases and milestones are
plainly illustrative ("minh họa"), dated relative to the day the demo is
loaded so that one is done, one is late and one is ahead, and the project
carries no decision document.

Idempotent: the project is found by (body, code) and then left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from dieuphoi.core.models import local_today
from dieuphoi.org.models import AdministrativeUnit, Agency, Body

from . import services
from .models import KeyProject

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
CLERK = "thuky"
CODE = "DA-VD4"
NAME = "Dự án đầu tư xây dựng Đường Vành đai 4 - Vùng Thủ đô"
RING_ROAD_TASK = "Vành đai 4"
DAY = datetime.timedelta(days=1)

# (phase, milestone, agency code, planned: days from today, done: days from
# today or None)
MILESTONES = [
    (
        "Giải phóng mặt bằng (minh họa)",
        "Bàn giao mặt bằng đợt 1 cho các gói thầu xây lắp (mốc minh họa)",
        "SXD",
        -120,
        -110,
    ),
    (
        "Giải phóng mặt bằng (minh họa)",
        "Hoàn thành di dời hạ tầng kỹ thuật trên tuyến (mốc minh họa)",
        "SXD",
        -20,
        None,
    ),
    (
        "Thi công xây dựng (minh họa)",
        "Hoàn thành các nút giao liên tỉnh (mốc minh họa)",
        "SXD",
        180,
        None,
    ),
    (
        "Đưa vào khai thác (minh họa)",
        "Thông xe toàn tuyến (mốc minh họa)",
        "SXD",
        540,
        None,
    ),
]


def seed_demo_key_project() -> KeyProject | None:
    today = local_today()
    body = Body.objects.as_of(today).filter(key=HANOI_TEAM_KEY).first()
    clerk = get_user_model().objects.filter(username=CLERK).first()
    if body is None or clerk is None:
        return None
    if KeyProject.objects.filter(body=body, code=CODE).exists():
        return None
    agencies = {
        a.code: a
        for a in Agency.objects.as_of(today).filter(code__in={m[2] for m in MILESTONES})
    }
    if len(agencies) < len({m[2] for m in MILESTONES}):
        return None
    units = list(
        AdministrativeUnit.objects.as_of(today).filter(
            key__in=["ha-noi", "hung-yen", "bac-ninh"]
        )
    )
    start = today - 400 * DAY
    project = services.project_create(
        actor=clerk,
        body=body,
        code=CODE,
        name=NAME,
        lead_agency=agencies["SXD"],
        decided_on=start,
        locations=units,
        tasks=list(body.tasks.filter(title__contains=RING_ROAD_TASK)),
        starts_on=start,
        state=KeyProject.State.UNDER_CONSTRUCTION,
    )
    phases = {}
    for phase_name, name, code, planned, done in MILESTONES:
        if phase_name not in phases:
            phases[phase_name] = services.phase_add(
                actor=clerk, project=project, name=phase_name
            )
        services.milestone_add(
            actor=clerk,
            project=project,
            phase=phases[phase_name],
            name=name,
            planned_on=today + planned * DAY,
            responsible_agency=agencies[code],
            actual_on=today + done * DAY if done is not None else None,
        )
    return project


def seed_all() -> list[KeyProject]:
    with transaction.atomic():
        project = seed_demo_key_project()
    return [project] if project else []
