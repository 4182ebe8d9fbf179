"""Document kinds and the Hanoi team's issuing profile (``seed_demo`` calls
``seed_all``; tests call the parts they need).

Idempotent: existing rows are left as administrators edited them. The kinds
follow Decree 30/2020/NĐ-CP: their abbreviations are Appendix III's (from
``docs.seed``); which kinds carry a title and a Kính gửi is Appendix I's
layout of each (Công văn: V/v and Kính gửi; Tờ trình: title and Kính gửi;
the others: title, no Kính gửi). The fixed texts are the team's usual
wording, editable in the admin; none is an official fact.
"""

from __future__ import annotations

from dieuphoi.docs.models import DocumentType
from dieuphoi.docs.seed import DOCUMENT_TYPES
from dieuphoi.org.models import Body

from .models import IssuingProfile, NumberingRegister, PaperKind

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"

# (key = DocumentType key, layout, title, addressed, closing text, order)
KINDS = [
    ("cong-van", PaperKind.Layout.LETTER, "", True, "", 10),
    ("to-trinh", PaperKind.Layout.TITLED, "TỜ TRÌNH", True, "", 20),
    (
        "giay-moi",
        PaperKind.Layout.TITLED,
        "GIẤY MỜI",
        False,
        "Rất mong đồng chí thu xếp thời gian tham dự để cuộc họp đạt kết quả./.",
        30,
    ),
    ("thong-bao", PaperKind.Layout.TITLED, "THÔNG BÁO", False, "", 40),
    ("bao-cao", PaperKind.Layout.TITLED, "BÁO CÁO", False, "", 50),
    ("ke-hoach", PaperKind.Layout.TITLED, "KẾ HOẠCH", False, "", 60),
    ("quyet-dinh", PaperKind.Layout.TITLED, "QUYẾT ĐỊNH", False, "", 70),
    ("bien-ban", PaperKind.Layout.TITLED, "BIÊN BẢN", False, "", 80),
]

HANOI_PROFILE = {
    "governing_body_line": "UBND THÀNH PHỐ HÀ NỘI",
    "issuer_line": "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
    "issuer_short_name": "Tổ điều phối",
    "symbol": "TĐP",
    "drafting_unit": "",
    "place": "Hà Nội",
    "collective_name": "TỔ ĐIỀU PHỐI",
    "head_title": "TỔ TRƯỞNG",
    "deputy_title": "PHÓ TỔ TRƯỞNG",
    "recipients": "Lãnh đạo Tổ điều phối",
    "archive_line": "Lưu: VT, TĐP",
}


def document_type(key: str) -> DocumentType:
    found = DocumentType.objects.filter(key=key).first()
    if found is not None:
        return found
    for type_key, name, abbreviation, normative in DOCUMENT_TYPES:
        if type_key == key:
            return DocumentType.objects.create(
                key=key, name=name, abbreviation=abbreviation, is_normative=normative
            )
    raise LookupError(key)


def seed_kinds() -> list[PaperKind]:
    kinds = []
    for key, layout, title, addressed, closing, order in KINDS:
        kind, _created = PaperKind.objects.get_or_create(
            key=key,
            defaults={
                "doc_type": document_type(key),
                "layout": layout,
                "title": title,
                "addressed": addressed,
                "closing_text": closing,
                "order": order,
            },
        )
        kinds.append(kind)
    return kinds


def seed_issuing_profiles() -> list[IssuingProfile]:
    body = Body.objects.filter(key=HANOI_TEAM_KEY).first()
    if body is None:
        return []
    profile, _created = IssuingProfile.objects.get_or_create(
        body=body, defaults=HANOI_PROFILE
    )
    NumberingRegister.objects.get_or_create(body=body, name="Sổ văn bản đi")
    return [profile]


def seed_all() -> list:
    return [*seed_kinds(), *seed_issuing_profiles()]
