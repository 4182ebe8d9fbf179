"""The Hanoi team's issuing profile (``manage.py seed_demo`` calls ``seed_all``).

Idempotent: an existing profile is left as administrators edited it. The
signer's name is left empty, so letters print the team's leader on their
date (Trần Minh Đức in the demo registry).
"""

from __future__ import annotations

from dieuphoi.org.models import Body

from .models import IssuingProfile

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"

HANOI_PROFILE = {
    "governing_body_line": "UBND THÀNH PHỐ HÀ NỘI",
    "issuer_line": "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
    "issuer_short_name": "Tổ điều phối",
    "symbol": "TĐP",
    "place": "Hà Nội",
    "signer_authority": "TM. TỔ ĐIỀU PHỐI",
    "signer_title": "TỔ TRƯỞNG",
    "signer_name": "",
    "recipients": "Lãnh đạo Tổ điều phối",
    "archive_line": "Lưu: VT, TĐP",
}


def seed_issuing_profiles() -> list[IssuingProfile]:
    body = Body.objects.filter(key=HANOI_TEAM_KEY).first()
    if body is None:
        return []
    profile, _created = IssuingProfile.objects.get_or_create(
        body=body, defaults=HANOI_PROFILE
    )
    return [profile]


def seed_all() -> list[IssuingProfile]:
    return seed_issuing_profiles()
