"""Default registry data (domain.md §2 and §8) and the demo accounts.

Every function is idempotent: rows are found by their natural key (``key`` or
``code`` plus ``valid_from``; a body by ``key``; a membership by person, body,
role and start) and reference data is brought back to what domain.md says,
while what people change in the app (duties, passwords, extra rows) is kept.
``seed_demo`` runs ``seed_all()`` in one transaction; tests call the parts.

Marks from domain.md: dates and facts marked "assumption" there are
assumptions here too, and say so in a comment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from dieuphoi.docs.models import Document
from dieuphoi.docs.seed import seed_document_types

from .models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    Body,
    BodyAgency,
    DutyAssignment,
    Membership,
    Region,
    RegionMembership,
)

D = datetime.date
DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed by seed_demo; demo data only  # nosec B105

REGION_KEY = "vung-thu-do"
REGION_START = D(2022, 8, 22)  # 986/QĐ-TTg (signing date is an assumption, §1)
OLD_UNITS_END = D(2025, 6, 30)  # old provincial governments until 30/06/2025
NEW_UNITS_START = D(2025, 7, 1)  # NQ 202/2025/QH15: new governments from 01/07/2025
NQ_202 = "Nghị quyết 202/2025/QH15"

HANOI_OLD_START = D(2022, 1, 1)  # agencies existed before the registry starts
HANOI_OLD_END = D(2025, 2, 28)
HANOI_NEW_START = D(2025, 3, 1)  # NQ 06/NQ-HĐND, effective 01/03/2025
NQ_06 = "Nghị quyết 06/NQ-HĐND ngày 25/02/2025"

# 4854/QĐ-UBND was issued in December 2022; the exact day is unverified
# (domain.md §1, §7). 07/12/2022 stands in for it until checked.
HANOI_TEAM_START = D(2022, 12, 7)
# The other provinces' teams: their establishing decisions are not in the
# sources (assumption); 01/01/2023 is a placeholder start.
PROVINCE_TEAM_START = D(2023, 1, 1)

HANOI_TEAM_KEY = "to-dieu-phoi-ha-noi"
COUNCIL_KEY = "hoi-dong-dieu-phoi-vung-thu-do"
OFFICE_KEY = "van-phong-hoi-dong-dieu-phoi"


# --- units and the region ---------------------------------------------------

# (key, name, kind) of the 2022 region (domain.md §2).
UNITS_2022 = [
    ("ha-noi", "TP. Hà Nội", AdministrativeUnit.Kind.CITY),
    ("hai-duong", "Tỉnh Hải Dương", AdministrativeUnit.Kind.PROVINCE),
    ("hung-yen", "Tỉnh Hưng Yên", AdministrativeUnit.Kind.PROVINCE),
    ("vinh-phuc", "Tỉnh Vĩnh Phúc", AdministrativeUnit.Kind.PROVINCE),
    ("bac-ninh", "Tỉnh Bắc Ninh", AdministrativeUnit.Kind.PROVINCE),
    ("ha-nam", "Tỉnh Hà Nam", AdministrativeUnit.Kind.PROVINCE),
    ("hoa-binh", "Tỉnh Hòa Bình", AdministrativeUnit.Kind.PROVINCE),
    ("phu-tho", "Tỉnh Phú Thọ", AdministrativeUnit.Kind.PROVINCE),
    ("bac-giang", "Tỉnh Bắc Giang", AdministrativeUnit.Kind.PROVINCE),
    ("thai-nguyen", "Tỉnh Thái Nguyên", AdministrativeUnit.Kind.PROVINCE),
]

# (key, name, kind, 2022 predecessors, also absorbs) from 01/07/2025 (§8).
UNITS_2025 = [
    (
        "thai-nguyen",
        "Tỉnh Thái Nguyên",
        AdministrativeUnit.Kind.PROVINCE,
        ["thai-nguyen"],
        "Bắc Kạn",
    ),
    (
        "phu-tho",
        "Tỉnh Phú Thọ",
        AdministrativeUnit.Kind.PROVINCE,
        ["vinh-phuc", "hoa-binh", "phu-tho"],
        "",
    ),
    (
        "bac-ninh",
        "Tỉnh Bắc Ninh",
        AdministrativeUnit.Kind.PROVINCE,
        ["bac-ninh", "bac-giang"],
        "",
    ),
    (
        "hung-yen",
        "Tỉnh Hưng Yên",
        AdministrativeUnit.Kind.PROVINCE,
        ["hung-yen"],
        "Thái Bình",
    ),
    (
        "hai-phong",
        "TP. Hải Phòng",
        AdministrativeUnit.Kind.CITY,
        ["hai-duong"],
        "TP. Hải Phòng (cũ)",
    ),
    (
        "ninh-binh",
        "Tỉnh Ninh Bình",
        AdministrativeUnit.Kind.PROVINCE,
        ["ha-nam"],
        "tỉnh Ninh Bình (cũ), tỉnh Nam Định",
    ),
]


@dataclass
class Units:
    """The seeded units: ``old[key]`` (2022 versions) and ``new[key]`` (2025)."""

    old: dict[str, AdministrativeUnit] = field(default_factory=dict)
    new: dict[str, AdministrativeUnit] = field(default_factory=dict)

    @property
    def hanoi(self) -> AdministrativeUnit:
        return self.old["ha-noi"]


def seed_region() -> tuple[Region, Units]:
    """The Capital Region with its 2022 and 2025 versions."""
    region, _ = Region.objects.update_or_create(
        key=REGION_KEY, defaults={"name": "Vùng Thủ đô"}
    )
    units = Units()
    for key, name, kind in UNITS_2022:
        # Hà Nội is unchanged by NQ 202/2025/QH15, so it is one row with no
        # end. The nine others end on 30/06/2025. Hưng Yên, Thái Nguyên, Phú
        # Thọ and Bắc Ninh keep their names, but their territory changed, so
        # they get a new version from 01/07/2025 linked to the old one.
        valid_to = None if key == "ha-noi" else OLD_UNITS_END
        unit, _ = AdministrativeUnit.objects.update_or_create(
            key=key,
            valid_from=REGION_START,
            defaults={"name": name, "kind": kind, "valid_to": valid_to},
        )
        units.old[key] = unit
        RegionMembership.objects.update_or_create(
            region=region,
            unit=unit,
            valid_from=REGION_START,
            defaults={"valid_to": valid_to, "legal_basis": "Quyết định 986/QĐ-TTg"},
        )
    for key, name, kind, predecessor_keys, absorbed in UNITS_2025:
        unit, _ = AdministrativeUnit.objects.update_or_create(
            key=key,
            valid_from=NEW_UNITS_START,
            defaults={
                "name": name,
                "kind": kind,
                "valid_to": None,
                "absorbed_note": absorbed,
                "legal_basis": NQ_202,
            },
        )
        unit.predecessors.add(*[units.old[k] for k in predecessor_keys])
        units.new[key] = unit
        # Provisional: whether the region was redefined after NQ 202 is
        # unverified (domain.md §2), so the successors of its units are kept in.
        RegionMembership.objects.update_or_create(
            region=region,
            unit=unit,
            valid_from=NEW_UNITS_START,
            defaults={"valid_to": None, "legal_basis": NQ_202},
        )
    return region, units


# --- agencies ---------------------------------------------------------------

# Hanoi's departments merged on 01/03/2025 (domain.md §8): 2022 code, name.
HANOI_MERGED_2022 = [
    ("SKHĐT", "Sở Kế hoạch và Đầu tư"),
    ("STC", "Sở Tài chính"),
    ("VPUBND", "Văn phòng UBND Thành phố"),
    ("SNgV", "Sở Ngoại vụ"),
    ("SXD", "Sở Xây dựng"),
    ("SGTVT", "Sở Giao thông vận tải"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("SNV", "Sở Nội vụ"),
    ("SLĐTBXH", "Sở Lao động - Thương binh và Xã hội"),
    ("BDT", "Ban Dân tộc"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp và chế xuất Hà Nội"),
]
# 2025 code, name, 2022 predecessor codes.
HANOI_2025 = [
    ("STC", "Sở Tài chính", ["SKHĐT", "STC"]),
    ("VPUBND", "Văn phòng UBND Thành phố", ["VPUBND", "SNgV"]),
    ("SXD", "Sở Xây dựng", ["SXD", "SGTVT"]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ["SNNPTNT", "STNMT"]),
    ("SKHCN", "Sở Khoa học và Công nghệ", ["SKHCN", "STTTT"]),
    ("SNV", "Sở Nội vụ", ["SNV", "SLĐTBXH"]),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", ["BDT"]),
    (
        "BQLCNC",
        "Ban quản lý Khu công nghệ cao và Khu công nghiệp TP. Hà Nội",
        ["BQLKCN"],
    ),
]
# The kind of each 2025 succession: several predecessors (or one, when the
# others are not in the registry: BQL Khu CNC Hòa Lạc joined BQLKCN, §8) is a
# merger; Ban Dân tộc became Sở Dân tộc và Tôn giáo on its own.
HANOI_2025_RENAMED = {"SDTTG"}
# Unchanged by NQ 06/NQ-HĐND: one row each. CATP and VNCPT are unchanged by
# assumption (domain.md §8).
HANOI_UNCHANGED = [
    ("SQHKT", "Sở Quy hoạch - Kiến trúc", Agency.Kind.DEPARTMENT),
    ("SCT", "Sở Công Thương", Agency.Kind.DEPARTMENT),
    ("STP", "Sở Tư pháp", Agency.Kind.DEPARTMENT),
    ("SYT", "Sở Y tế", Agency.Kind.DEPARTMENT),
    ("SGDĐT", "Sở Giáo dục và Đào tạo", Agency.Kind.DEPARTMENT),
    ("SVHTT", "Sở Văn hóa và Thể thao", Agency.Kind.DEPARTMENT),
    ("SDL", "Sở Du lịch", Agency.Kind.DEPARTMENT),
    ("TTTP", "Thanh tra Thành phố", Agency.Kind.DEPARTMENT),
    ("CATP", "Công an Thành phố Hà Nội", Agency.Kind.OTHER),
    ("VNCPT", "Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội", Agency.Kind.OTHER),
]
# Short codes used in the provincial agencies' codes ("STC-BAC-NINH").
PROVINCE_CODE = {key: key.upper() for key, *_ in UNITS_2022 + UNITS_2025}


@dataclass
class Agencies:
    """Seeded agencies by ``(code, valid_from)`` with shortcuts."""

    rows: dict[tuple[str, datetime.date], Agency] = field(default_factory=dict)

    def get(self, code: str, on: datetime.date) -> Agency:
        for (row_code, _), agency in self.rows.items():
            if row_code == code and agency.is_valid_on(on):
                return agency
        raise KeyError((code, on))


def _agency(
    agencies: Agencies,
    code: str,
    valid_from: datetime.date,
    *,
    name: str,
    kind: str,
    unit: AdministrativeUnit | None,
    valid_to: datetime.date | None = None,
    legal_basis: str = "",
    short_name: str = "",
    predecessors: list[Agency] | None = None,
) -> Agency:
    agency, _ = Agency.objects.update_or_create(
        code=code,
        valid_from=valid_from,
        defaults={
            "name": name,
            "short_name": short_name,
            "kind": kind,
            "unit": unit,
            "valid_to": valid_to,
            "legal_basis": legal_basis,
        },
    )
    if predecessors:
        agency.predecessors.add(*predecessors)
    agencies.rows[(code, valid_from)] = agency
    return agency


def seed_agencies(units: Units) -> Agencies:
    agencies = Agencies()
    hanoi = units.hanoi
    national_start = HANOI_OLD_START
    _agency(
        agencies,
        "TTg",
        national_start,
        name="Chính phủ/Thủ tướng Chính phủ",
        kind=Agency.Kind.GOVERNMENT,
        unit=None,
        short_name="Thủ tướng Chính phủ",
    )
    _agency(
        agencies,
        "QH",
        national_start,
        name="Quốc hội",
        kind=Agency.Kind.OTHER,
        unit=None,
    )
    # MPI merged into Finance nationally (domain.md §2, confirmed [8]); the
    # ministry-level legal basis is not in domain.md, so it is left blank.
    mpi = _agency(
        agencies,
        "BKHĐT",
        national_start,
        name="Bộ Kế hoạch và Đầu tư",
        kind=Agency.Kind.MINISTRY,
        unit=None,
        valid_to=HANOI_OLD_END,
    )
    mof_old = _agency(
        agencies,
        "BTC",
        national_start,
        name="Bộ Tài chính",
        kind=Agency.Kind.MINISTRY,
        unit=None,
        valid_to=HANOI_OLD_END,
    )
    _agency(
        agencies,
        "BTC",
        HANOI_NEW_START,
        name="Bộ Tài chính",
        kind=Agency.Kind.MINISTRY,
        unit=None,
        predecessors=[mof_old, mpi],
    )
    _agency(
        agencies,
        "BXD",
        national_start,
        name="Bộ Xây dựng",
        kind=Agency.Kind.MINISTRY,
        unit=None,
    )

    # Hà Nội
    _agency(
        agencies,
        "UBND-HN",
        national_start,
        name="UBND TP. Hà Nội",
        kind=Agency.Kind.PEOPLES_COMMITTEE,
        unit=hanoi,
    )
    _agency(
        agencies,
        "HĐND-HN",
        national_start,
        name="HĐND TP. Hà Nội",
        kind=Agency.Kind.OTHER,
        unit=hanoi,
    )
    old = {}
    for code, name in HANOI_MERGED_2022:
        old[code] = _agency(
            agencies,
            code,
            HANOI_OLD_START,
            name=name,
            kind=Agency.Kind.DEPARTMENT,
            unit=hanoi,
            valid_to=HANOI_OLD_END,
        )
    for code, name, predecessor_codes in HANOI_2025:
        _agency(
            agencies,
            code,
            HANOI_NEW_START,
            name=name,
            kind=Agency.Kind.DEPARTMENT,
            unit=hanoi,
            legal_basis=NQ_06,
            predecessors=[old[c] for c in predecessor_codes],
        )
    for code, name, kind in HANOI_UNCHANGED:
        _agency(agencies, code, HANOI_OLD_START, name=name, kind=kind, unit=hanoi)

    # The other provinces: a People's Committee and a finance department per
    # unit version, enough for their teams' standing agency and members.
    for key, unit in units.old.items():
        if key == "ha-noi":
            continue
        _province_agencies(agencies, unit, HANOI_OLD_START, OLD_UNITS_END, {})
    for unit in units.new.values():
        old_keys = [PROVINCE_CODE[p.key] for p in unit.predecessors.all()]
        preds = {
            prefix: [agencies.get(f"{prefix}-{k}", OLD_UNITS_END) for k in old_keys]
            for prefix in ("UBND", "STC")
        }
        _province_agencies(
            agencies, unit, NEW_UNITS_START, None, preds, legal_basis=NQ_202
        )
    return agencies


def _place(unit: AdministrativeUnit) -> str:
    """ "Tỉnh Bắc Ninh" -> "tỉnh Bắc Ninh" inside a longer name."""
    return (
        unit.name[0].lower() + unit.name[1:]
        if unit.name.startswith("Tỉnh")
        else unit.name
    )


def _province_agencies(agencies, unit, start, end, predecessors, legal_basis=""):
    suffix = PROVINCE_CODE[unit.key]
    place = _place(unit)
    _agency(
        agencies,
        f"UBND-{suffix}",
        start,
        name=f"UBND {place}",
        kind=Agency.Kind.PEOPLES_COMMITTEE,
        unit=unit,
        valid_to=end,
        legal_basis=legal_basis,
        predecessors=predecessors.get("UBND"),
    )
    _agency(
        agencies,
        f"STC-{suffix}",
        start,
        name=f"Sở Tài chính {place}",
        kind=Agency.Kind.PROVINCIAL_DEPARTMENT,
        unit=unit,
        valid_to=end,
        legal_basis=legal_basis,
        predecessors=predecessors.get("STC"),
    )


# --- bodies and documents ---------------------------------------------------


@dataclass
class Bodies:
    council: Body
    office: Body
    hanoi_team: Body
    provincial: dict[tuple[str, datetime.date], Body]


def _body(key: str, **defaults) -> Body:
    body, _ = Body.objects.update_or_create(key=key, defaults=defaults)
    return body


def _body_agency(
    body, agency, role, valid_from, valid_to=None, legal_basis=""
) -> BodyAgency:
    row, _ = BodyAgency.objects.update_or_create(
        body=body,
        agency=agency,
        role=role,
        valid_from=valid_from,
        defaults={"valid_to": valid_to, "legal_basis": legal_basis},
    )
    return row


def seed_bodies(units: Units, agencies: Agencies) -> Bodies:
    council = _body(
        COUNCIL_KEY,
        name="Hội đồng điều phối Vùng Thủ đô",
        short_name="Hội đồng điều phối",
        kind=Body.Kind.COUNCIL,
        unit=None,
        parent=None,
        valid_from=REGION_START,
        valid_to=None,
        legal_basis="Quyết định 986/QĐ-TTg",
        description=(
            "Tổ chức phối hợp liên ngành giúp Thủ tướng Chính phủ chỉ đạo, điều phối, "
            "giám sát liên kết vùng theo Nghị định 91/2021/NĐ-CP. Chủ tịch: một Phó Thủ "
            "tướng; Phó Chủ tịch: Bộ trưởng Bộ Kế hoạch và Đầu tư (thường trực), Bộ trưởng "
            "Bộ Xây dựng, Chủ tịch UBND TP. Hà Nội."
        ),
    )
    office = _body(
        OFFICE_KEY,
        name="Văn phòng Hội đồng điều phối Vùng Thủ đô",
        short_name="Văn phòng Hội đồng",
        kind=Body.Kind.COUNCIL_OFFICE,
        unit=None,
        parent=council,
        valid_from=REGION_START,
        valid_to=None,
        legal_basis="Quyết định 986/QĐ-TTg",
        description=(
            "Giả định: Văn phòng Hội đồng đặt tại Bộ Kế hoạch và Đầu tư đến 28/02/2025 và "
            "tại Bộ Tài chính từ 01/03/2025; chưa có văn bản xác nhận (domain.md §1, §7)."
        ),
    )
    hanoi_team = _body(
        HANOI_TEAM_KEY,
        name="Tổ điều phối Vùng Thủ đô của TP. Hà Nội",
        short_name="TĐP Hà Nội",
        symbol="TĐP",
        kind=Body.Kind.TEAM,
        unit=units.hanoi,
        parent=council,
        valid_from=HANOI_TEAM_START,
        valid_to=None,
        legal_basis="Quyết định 4854/QĐ-UBND",
        description=(
            "Tổ công tác liên ngành, làm việc kiêm nhiệm, giúp Chủ tịch UBND Thành phố "
            "(Phó Chủ tịch Hội đồng điều phối Vùng Thủ đô) đề xuất cơ chế, chính sách, "
            "chương trình, dự án liên kết vùng; theo dõi, đôn đốc và tổng hợp báo cáo; "
            "chủ trì hoạt động chung của các Tổ điều phối vùng của các địa phương."
        ),
    )

    # Standing agencies: MPI, then Finance (assumption for the Office and the
    # Council after 2025, domain.md §1: "keep the standing agency versioned").
    mpi = agencies.get("BKHĐT", HANOI_OLD_END)
    mof = agencies.get("BTC", HANOI_NEW_START)
    for body in (council, office):
        _body_agency(body, mpi, BodyAgency.Role.STANDING, REGION_START, HANOI_OLD_END)
        _body_agency(body, mof, BodyAgency.Role.STANDING, HANOI_NEW_START, None)

    # Hanoi team: DPI is the standing agency until its merger into Sở Tài
    # chính, which takes both roles from 01/03/2025. No amendment of
    # 4854/QĐ-UBND is known (assumption, domain.md §2).
    dpi = agencies.get("SKHĐT", HANOI_OLD_END)
    dof = agencies.get("STC", HANOI_NEW_START)
    _body_agency(
        hanoi_team,
        dpi,
        BodyAgency.Role.STANDING,
        HANOI_TEAM_START,
        HANOI_OLD_END,
        "Quyết định 4854/QĐ-UBND",
    )
    _body_agency(
        hanoi_team, dof, BodyAgency.Role.STANDING, HANOI_NEW_START, None, NQ_06
    )
    for code, _name in HANOI_MERGED_2022:
        if code == "SKHĐT":
            continue
        _body_agency(
            hanoi_team,
            agencies.get(code, HANOI_OLD_END),
            BodyAgency.Role.MEMBER,
            HANOI_TEAM_START,
            HANOI_OLD_END,
            "Quyết định 4854/QĐ-UBND",
        )
    for code, _name, _preds in HANOI_2025:
        if code == "STC":
            continue
        _body_agency(
            hanoi_team,
            agencies.get(code, HANOI_NEW_START),
            BodyAgency.Role.MEMBER,
            HANOI_NEW_START,
            None,
            NQ_06,
        )
    for code, _name, _kind in HANOI_UNCHANGED:
        _body_agency(
            hanoi_team,
            agencies.get(code, HANOI_TEAM_START),
            BodyAgency.Role.MEMBER,
            HANOI_TEAM_START,
            None,
            "Quyết định 4854/QĐ-UBND",
        )

    # One team per other province: the 2022 units' teams until 30/06/2025,
    # the 2025 units' teams from 01/07/2025. Keys: "to-dieu-phoi-<unit>" for
    # the current team, "-2022" added for the one it replaced.
    provincial = {}
    versions = [
        (u, PROVINCE_TEAM_START, OLD_UNITS_END, "-2022")
        for k, u in units.old.items()
        if k != "ha-noi"
    ]
    versions += [(u, NEW_UNITS_START, None, "") for u in units.new.values()]
    for unit, start, end, suffix in versions:
        place = _place(unit)
        body = _body(
            f"to-dieu-phoi-{unit.key}{suffix}",
            name=f"Tổ điều phối vùng {place}",
            short_name=f"TĐP {place.removeprefix('tỉnh ')}"[:50],
            kind=Body.Kind.TEAM,
            unit=unit,
            parent=council,
            valid_from=start,
            valid_to=end,
            legal_basis=unit.legal_basis,
        )
        finance = agencies.get(f"STC-{PROVINCE_CODE[unit.key]}", start)
        # Assumption: the provincial finance department is the standing agency.
        _body_agency(body, finance, BodyAgency.Role.STANDING, start, end)
        provincial[(unit.key, start)] = body
    return Bodies(
        council=council, office=office, hanoi_team=hanoi_team, provincial=provincial
    )


@dataclass
class Documents:
    decision_986: Document
    decision_4854: Document
    resolution_06: Document
    resolution_202: Document


def _document(body, number, symbol, **defaults) -> Document:
    document = Document.objects.filter(body=body, number=number, symbol=symbol).first()
    if document is None:
        document = Document(body=body, number=number, symbol=symbol)
    for name, value in defaults.items():
        setattr(document, name, value)
    # The documents app keeps a folded search column; fill it the same way.
    if hasattr(document, "compute_search_text"):
        document.search_text = document.compute_search_text()
    document.save()
    return document


def seed_documents(bodies: Bodies, agencies: Agencies) -> Documents:
    """The registry's founding documents, all in the Hanoi team's register."""
    types = seed_document_types()
    team = bodies.hanoi_team
    incoming = Document.Direction.INCOMING
    docs = Documents(
        decision_986=_document(
            team,
            "986",
            "QĐ-TTg",
            doc_type=types["quyet-dinh"],
            issuer=agencies.get("TTg", REGION_START),
            signer="Lê Văn Thành",
            issued_on=REGION_START,
            direction=incoming,
            summary=(
                "Về việc thành lập Hội đồng điều phối Vùng Thủ đô: chức năng, nhiệm vụ, "
                "quyền hạn và thành phần Hội đồng, giúp Thủ tướng Chính phủ chỉ đạo, điều "
                "phối, giám sát liên kết phát triển, bảo đảm quốc phòng, an ninh Vùng Thủ đô"
            ),
        ),
        decision_4854=_document(
            team,
            "4854",
            "QĐ-UBND",
            doc_type=types["quyet-dinh"],
            issuer=agencies.get("UBND-HN", HANOI_TEAM_START),
            signer="",
            issued_on=HANOI_TEAM_START,  # day unverified, see HANOI_TEAM_START
            direction=incoming,
            summary=(
                "Về việc thành lập Tổ điều phối Vùng Thủ đô của Thành phố Hà Nội: thành "
                "phần, nhiệm vụ, quyền hạn; Sở Kế hoạch và Đầu tư là cơ quan thường trực"
            ),
        ),
        resolution_06=_document(
            team,
            "06",
            "NQ-HĐND",
            doc_type=types["nghi-quyet"],
            issuer=agencies.get("HĐND-HN", D(2025, 2, 25)),
            signer="",
            issued_on=D(2025, 2, 25),
            direction=incoming,
            summary=(
                "Về việc thành lập, tổ chức lại các cơ quan chuyên môn thuộc UBND Thành phố "
                "Hà Nội (21 còn 15 sở), hiệu lực từ ngày 01/03/2025; hợp nhất Sở Kế hoạch "
                "và Đầu tư và Sở Tài chính thành Sở Tài chính"
            ),
        ),
        resolution_202=_document(
            team,
            "202",
            "2025/QH15",
            doc_type=types["nghi-quyet-qppl"],
            issuer=agencies.get("QH", D(2025, 6, 12)),
            signer="",
            issued_on=D(2025, 6, 12),
            direction=incoming,
            summary=(
                "Về việc sắp xếp đơn vị hành chính cấp tỉnh (63 còn 34 đơn vị); chính quyền "
                "địa phương các tỉnh, thành phố sau sắp xếp hoạt động từ ngày 01/07/2025"
            ),
        ),
    )
    for body, document in (
        (bodies.council, docs.decision_986),
        (bodies.office, docs.decision_986),
        (bodies.hanoi_team, docs.decision_4854),
    ):
        if body.establishing_document_id != document.pk:
            body.establishing_document = document
            body.save(update_fields=["establishing_document"])
    return docs


# --- people -----------------------------------------------------------------

# One demo account per role: (username, password, role). Printed by
# ``seed_demo`` and by ``run_all``.
DEMO_LOGINS = [
    ("admin", DEMO_PASSWORD, "Administrator"),
    ("truongto", DEMO_PASSWORD, "Leader of the Hanoi team (Director, Sở Tài chính)"),
    ("photo", DEMO_PASSWORD, "Deputy leader (Sở Quy hoạch - Kiến trúc)"),
    ("thuky", DEMO_PASSWORD, "Secretariat (Sở Tài chính)"),
    ("chuyenvien", DEMO_PASSWORD, "Specialist (Sở Tài chính)"),
    ("daumoi.sxd", DEMO_PASSWORD, "Member, focal point of Sở Xây dựng"),
    (
        "daumoi.snnmt",
        DEMO_PASSWORD,
        "Member, focal point of Sở Nông nghiệp và Môi trường",
    ),
    ("lanhdao", DEMO_PASSWORD, "City leadership viewer (UBND TP. Hà Nội)"),
    ("bacninh", DEMO_PASSWORD, "External: member of the Bắc Ninh team"),
    ("hungyen", DEMO_PASSWORD, "External: member of the Hưng Yên team"),
    (
        "nguyen.van.an",
        DEMO_PASSWORD,
        "Former leader until 28/02/2025 (no current role)",
    ),
]
DEMO_ROLES = {username: role for username, _, role in DEMO_LOGINS}


@dataclass
class Login:
    username: str
    role: str
    body: str
    agency: str
    created: bool


# --- successions -------------------------------------------------------------


def _succession(kind, on, predecessors, successor, document, basis):
    """Get or update the succession into ``successor`` on ``on``."""
    succession = AgencySuccession.objects.filter(on=on, successors=successor).first()
    if succession is None:
        succession = AgencySuccession.objects.create(
            kind=kind, on=on, document=document, basis=basis
        )
    else:
        succession.kind = kind
        succession.document = document
        succession.basis = basis
        succession.save(update_fields=["kind", "document", "basis"])
    succession.predecessors.set(predecessors)
    succession.successors.set([successor])
    return succession


def seed_successions(
    agencies: Agencies, documents: Documents
) -> list[AgencySuccession]:
    """The dated successions behind the 2025 predecessor links, each with the
    document that decided it: Hanoi's departments (NQ 06/NQ-HĐND, from
    01/03/2025) and the provinces' agencies (NQ 202/2025/QH15, from
    01/07/2025). The ministries' 2025 reorganisation (NQ 176/2025/QH15) and
    the provincial departments are recorded by ``seed_parties``."""
    K = AgencySuccession.Kind
    rows = []
    for code, _name, predecessor_codes in HANOI_2025:
        successor = agencies.get(code, HANOI_NEW_START)
        rows.append(
            _succession(
                K.RENAMING if code in HANOI_2025_RENAMED else K.MERGER,
                HANOI_NEW_START,
                [agencies.get(c, HANOI_OLD_END) for c in predecessor_codes],
                successor,
                documents.resolution_06,
                NQ_06,
            )
        )
    for (_code, valid_from), successor in agencies.rows.items():
        if valid_from != NEW_UNITS_START or successor.unit_id is None:
            continue
        predecessors = list(successor.predecessors.all())
        if predecessors:
            rows.append(
                _succession(
                    K.MERGER,
                    NEW_UNITS_START,
                    predecessors,
                    successor,
                    documents.resolution_202,
                    NQ_202,
                )
            )
    return rows


# --- co-operating parties: ministries and provincial departments (issue 7 §4) --
#
# The central ministries the Capital Region's work involves (the Council's
# members, domain.md §1) before and after the Government's 2025
# reorganisation, and the main departments of each province of the region.
# Sources, checked with the search tool (see the rows' legal basis):
# - Nghị quyết 176/2025/QH15 of 18/02/2025 (National Assembly, 9th
#   extraordinary session): 14 ministries and 3 ministerial-level agencies;
#   MPI + Finance -> Finance, Transport + Construction -> Construction,
#   Agriculture and Rural Development + Natural Resources and Environment ->
#   Agriculture and Environment, Information and Communications + Science
#   -> Science and Technology, Labour + Home Affairs -> Home Affairs; the new
#   ministries operate from 01/03/2025, the old ones until 28/02/2025
#   (laodong.vn 1467445 and 1469868; lawnet.vn; vietnamnews.vn 1692425). It
#   replaced Nghị quyết 08/2021/QH15 of 23/07/2021 (the 18 + 4 structure).
# - Nghị định 45/2025/NĐ-CP of 28/02/2025 (provincial departments): the
#   departments organised in every province include Sở Tài chính, Sở Nông
#   nghiệp và Môi trường, Sở Xây dựng (hdnd.dongnai.gov.vn). Each province
#   merged its departments by its own HĐND resolution; those dates are not
#   verified, so 01/03/2025 stands in for them and the basis says so.

NQ_176 = "Nghị quyết 176/2025/QH15 ngày 18/02/2025"
ND_45_UNVERIFIED_DATE = (
    "Nghị định 45/2025/NĐ-CP ngày 28/02/2025; ngày sáp nhập theo nghị quyết "
    "HĐND tỉnh chưa xác minh (giả định 01/03/2025)"
)
MINISTRY_NEW_START = D(2025, 3, 1)  # NQ 176/2025/QH15: new ministries operate
MINISTRY_OLD_END = D(2025, 2, 28)  # the old ones until 28/02/2025
PROVINCE_DEPT_NEW_START = D(2025, 3, 1)  # assumption, see ND_45_UNVERIFIED_DATE
PROVINCE_DEPT_OLD_END = D(2025, 2, 28)

# Ministries unchanged by NQ 176/2025/QH15 (code, name).
MINISTRIES_UNCHANGED = [
    ("BCA", "Bộ Công an"),
    ("BQP", "Bộ Quốc phòng"),
    ("BNG", "Bộ Ngoại giao"),
    ("BTP", "Bộ Tư pháp"),
    ("BCT", "Bộ Công Thương"),
    ("BYT", "Bộ Y tế"),
    ("BGDĐT", "Bộ Giáo dục và Đào tạo"),
    ("BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("VPCP", "Văn phòng Chính phủ"),
]
# Ministries that continue and absorb another from 01/03/2025:
# (code, name, absorbed code, absorbed name).
MINISTRIES_ABSORBING = [
    ("BXD", "Bộ Xây dựng", "BGTVT", "Bộ Giao thông vận tải"),
    ("BKHCN", "Bộ Khoa học và Công nghệ", "BTTTT", "Bộ Thông tin và Truyền thông"),
    ("BNV", "Bộ Nội vụ", "BLĐTBXH", "Bộ Lao động - Thương binh và Xã hội"),
]
# New ministries from 01/03/2025 merged from two that end: (code, name,
# [(old code, old name)]). Finance (BTC) is seeded above with its links.
MINISTRIES_MERGED = [
    (
        "BNNMT",
        "Bộ Nông nghiệp và Môi trường",
        [
            ("BNNPTNT", "Bộ Nông nghiệp và Phát triển nông thôn"),
            ("BTNMT", "Bộ Tài nguyên và Môi trường"),
        ],
    ),
]
# The main departments of each 2022 province until the 2025 merger, and the
# merged ones after it (prefix, name, predecessor prefixes).
PROVINCE_DEPTS_2022 = [
    ("SKHĐT", "Sở Kế hoạch và Đầu tư"),
    ("SXD", "Sở Xây dựng"),
    ("SGTVT", "Sở Giao thông vận tải"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
]
PROVINCE_DEPTS_2025 = [
    ("SXD", "Sở Xây dựng", ["SXD", "SGTVT"]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ["STNMT", "SNNPTNT"]),
]


def _ministry(agencies, code, start, name, *, end=None, basis="", preds=None):
    return _agency(
        agencies,
        code,
        start,
        name=name,
        kind=Agency.Kind.MINISTRY,
        unit=None,
        valid_to=end,
        legal_basis=basis,
        predecessors=preds,
    )


def seed_parties(
    units: Units, agencies: Agencies, bodies: Bodies, documents: Documents
) -> list[AgencySuccession]:
    """The ministries and provincial departments a task can ask to
    co-operate, dated, with their successions (``AgencySuccession`` and the
    ``Agency.predecessors`` links). Idempotent."""
    K = AgencySuccession.Kind
    types = seed_document_types()
    team = bodies.hanoi_team
    nq_176 = _document(
        team,
        "176",
        "2025/QH15",
        doc_type=types["nghi-quyet-qppl"],
        issuer=agencies.get("QH", D(2025, 2, 18)),
        signer="",
        issued_on=D(2025, 2, 18),
        direction=Document.Direction.INCOMING,
        summary=(
            "Về cơ cấu tổ chức của Chính phủ nhiệm kỳ Quốc hội khóa XV: 14 bộ, 3 cơ "
            "quan ngang bộ; các bộ mới hoạt động từ ngày 01/03/2025"
        ),
    )
    nd_45 = _document(
        team,
        "45",
        "2025/NĐ-CP",
        doc_type=types["nghi-dinh"],
        issuer=agencies.get("TTg", D(2025, 2, 28)),
        signer="",
        issued_on=D(2025, 2, 28),
        direction=Document.Direction.INCOMING,
        summary=(
            "Quy định tổ chức các cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh, "
            "cấp huyện"
        ),
    )
    start = HANOI_OLD_START
    rows: list[AgencySuccession] = []
    for code, name in MINISTRIES_UNCHANGED:
        _ministry(agencies, code, start, name)
    for code, name, old_code, old_name in MINISTRIES_ABSORBING:
        old = _ministry(
            agencies, old_code, start, old_name, end=MINISTRY_OLD_END, basis=""
        )
        keeper = _ministry(agencies, code, start, name, preds=[old])
        rows.append(
            _succession(K.TRANSFER, MINISTRY_NEW_START, [old], keeper, nq_176, NQ_176)
        )
    for code, name, olds in MINISTRIES_MERGED:
        preds = [
            _ministry(agencies, c, start, n, end=MINISTRY_OLD_END) for c, n in olds
        ]
        new = _ministry(
            agencies, code, MINISTRY_NEW_START, name, basis=NQ_176, preds=preds
        )
        rows.append(
            _succession(K.MERGER, MINISTRY_NEW_START, preds, new, nq_176, NQ_176)
        )
    # Finance: seeded in seed_agencies (old BTC + BKHĐT -> new BTC).
    finance = agencies.get("BTC", MINISTRY_NEW_START)
    if not finance.legal_basis:
        finance.legal_basis = NQ_176
        finance.save(update_fields=["legal_basis"])
    rows.append(
        _succession(
            K.MERGER,
            MINISTRY_NEW_START,
            [
                agencies.get("BTC", MINISTRY_OLD_END),
                agencies.get("BKHĐT", MINISTRY_OLD_END),
            ],
            finance,
            nq_176,
            NQ_176,
        )
    )

    # Provinces: departments of each 2022 unit, their merger in 2025, and the
    # departments of the units formed on 01/07/2025 (NQ 202/2025/QH15).
    for key, unit in units.old.items():
        if key == "ha-noi":
            continue
        suffix = PROVINCE_CODE[key]
        place = _place(unit)
        old = {
            prefix: _agency(
                agencies,
                f"{prefix}-{suffix}",
                start,
                name=f"{name} {place}",
                kind=Agency.Kind.PROVINCIAL_DEPARTMENT,
                unit=unit,
                valid_to=PROVINCE_DEPT_OLD_END,
            )
            for prefix, name in PROVINCE_DEPTS_2022
        }
        for prefix, name, pred_prefixes in PROVINCE_DEPTS_2025:
            preds = [old[p] for p in pred_prefixes]
            merged = _agency(
                agencies,
                f"{prefix}-{suffix}",
                PROVINCE_DEPT_NEW_START,
                name=f"{name} {place}",
                kind=Agency.Kind.PROVINCIAL_DEPARTMENT,
                unit=unit,
                valid_to=OLD_UNITS_END,
                legal_basis=ND_45_UNVERIFIED_DATE,
                predecessors=preds,
            )
            rows.append(
                _succession(
                    K.MERGER,
                    PROVINCE_DEPT_NEW_START,
                    preds,
                    merged,
                    nd_45,
                    ND_45_UNVERIFIED_DATE,
                )
            )
        finance = agencies.get(f"STC-{suffix}", PROVINCE_DEPT_NEW_START)
        finance.predecessors.add(old["SKHĐT"])
        rows.append(
            _succession(
                K.TRANSFER,
                PROVINCE_DEPT_NEW_START,
                [old["SKHĐT"]],
                finance,
                nd_45,
                ND_45_UNVERIFIED_DATE,
            )
        )
    for key, unit in units.new.items():
        suffix = PROVINCE_CODE[key]
        place = _place(unit)
        old_suffixes = [PROVINCE_CODE[p.key] for p in unit.predecessors.all()]
        for prefix, name, _preds in PROVINCE_DEPTS_2025:
            preds = [agencies.get(f"{prefix}-{s}", OLD_UNITS_END) for s in old_suffixes]
            new = _agency(
                agencies,
                f"{prefix}-{suffix}",
                NEW_UNITS_START,
                name=f"{name} {place}",
                kind=Agency.Kind.PROVINCIAL_DEPARTMENT,
                unit=unit,
                legal_basis=NQ_202,
                predecessors=preds,
            )
            if preds:
                rows.append(
                    _succession(
                        K.MERGER,
                        NEW_UNITS_START,
                        preds,
                        new,
                        documents.resolution_202,
                        NQ_202,
                    )
                )
    return rows


@dataclass
class SeedResult:
    region: Region
    units: Units
    agencies: Agencies
    bodies: Bodies
    documents: Documents
    logins: list[Login]


def _user(username: str, *, full_name: str, position: str = "", agency=None, **flags):
    """Get or create a demo account. An existing one is left as it is."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(
        username=username,
        full_name=full_name,
        position=position,
        agency=agency,
        email=f"{username}@dieuphoi.example.vn",
        **flags,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user, True


def _membership(
    person,
    body,
    role,
    valid_from,
    *,
    valid_to=None,
    duties="",
    assigned_by=None,
    document=None,
    **defaults,
):
    """Get or create a membership; its duties get a first ``DutyAssignment``."""
    membership, created = Membership.objects.get_or_create(
        person=person,
        body=body,
        role=role,
        valid_from=valid_from,
        defaults={
            "valid_to": valid_to,
            "duties": duties,
            "appointing_document": document,
            **defaults,
        },
    )
    if created and duties:
        DutyAssignment.objects.get_or_create(
            membership=membership,
            assigned_on=valid_from,
            defaults={"text": duties, "assigned_by": assigned_by, "document": document},
        )
    return membership


LEADER_DUTIES = (
    "Phụ trách chung hoạt động của Tổ điều phối; tham mưu Chủ tịch UBND Thành phố "
    "(Phó Chủ tịch Hội đồng điều phối Vùng Thủ đô) về cơ chế, chính sách, chương trình, "
    "dự án liên kết vùng; phân công nhiệm vụ cho các thành viên."
)


def seed_people(
    bodies: Bodies, agencies: Agencies, documents: Documents
) -> list[Login]:
    team = bodies.hanoi_team
    role = Membership.Role
    d4854 = documents.decision_4854
    dpi = agencies.get("SKHĐT", HANOI_OLD_END)
    dof = agencies.get("STC", HANOI_NEW_START)
    dup = agencies.get("SQHKT", HANOI_NEW_START)
    doc_ = agencies.get("SXD", HANOI_NEW_START)
    dae = agencies.get("SNNMT", HANOI_NEW_START)
    city = agencies.get("UBND-HN", HANOI_NEW_START)
    bac_ninh_team = bodies.provincial[("bac-ninh", NEW_UNITS_START)]
    bac_ninh_finance = agencies.get("STC-BAC-NINH", NEW_UNITS_START)
    hung_yen_team = bodies.provincial[("hung-yen", NEW_UNITS_START)]
    hung_yen_finance = agencies.get("STC-HUNG-YEN", NEW_UNITS_START)
    logins: list[Login] = []

    def login(user, created, body="", agency=""):
        role = DEMO_ROLES[user.username]
        logins.append(Login(user.username, role, str(body), str(agency), created))

    admin, created = _user(
        "admin", full_name="Quản trị hệ thống", is_superuser=True, is_staff=True
    )
    login(admin, created)

    former, created = _user(
        "nguyen.van.an",
        full_name="Nguyễn Văn An",
        position="Nguyên Giám đốc Sở Kế hoạch và Đầu tư",
        agency=dpi,
    )
    _membership(
        former,
        team,
        role.LEADER,
        HANOI_TEAM_START,
        valid_to=HANOI_OLD_END,
        agency=dpi,
        position="Giám đốc Sở Kế hoạch và Đầu tư",
        document=d4854,
        duties=LEADER_DUTIES,
    )
    login(former, created, team, dpi)

    leader, created = _user(
        "truongto",
        full_name="Trần Minh Đức",
        position="Giám đốc Sở Tài chính",
        agency=dof,
    )
    _membership(
        leader,
        team,
        role.LEADER,
        HANOI_NEW_START,
        agency=dof,
        position="Giám đốc Sở Tài chính",
        legal_basis=NQ_06,
        assigned_by=leader,
        duties=LEADER_DUTIES
        + " Chủ trì các hoạt động chung của các Tổ điều phối vùng trong Vùng Thủ đô theo "
        "hướng dẫn của Văn phòng Hội đồng điều phối.",
    )
    login(leader, created, team, dof)

    deputy, created = _user(
        "photo",
        full_name="Lê Thu Hà",
        position="Phó Giám đốc Sở Quy hoạch - Kiến trúc",
        agency=dup,
    )
    _membership(
        deputy,
        team,
        role.DEPUTY,
        HANOI_TEAM_START,
        agency=dup,
        position="Phó Giám đốc Sở Quy hoạch - Kiến trúc",
        document=d4854,
        assigned_by=former,
        duties=(
            "Giúp Tổ trưởng điều hành khi được ủy quyền; phụ trách nội dung quy hoạch không "
            "gian, kiến trúc và kết nối hạ tầng vùng; theo dõi việc thực hiện Quy hoạch Thủ "
            "đô thời kỳ 2021-2030, tầm nhìn đến năm 2050 trong phạm vi liên kết vùng."
        ),
    )
    login(deputy, created, team, dup)

    secretary, created = _user(
        "thuky",
        full_name="Phạm Thị Hồng",
        position="Phó Trưởng phòng Tổng hợp, Sở Tài chính",
        agency=dof,
    )
    secretariat_duties = (
        "Thường trực giúp việc Tổ điều phối: chuẩn bị chương trình, tài liệu các cuộc họp; "
        "theo dõi, đôn đốc các sở, ngành thực hiện nhiệm vụ; tổng hợp, dự thảo báo cáo định "
        "kỳ gửi UBND Thành phố và Văn phòng Hội đồng điều phối."
    )
    _membership(
        secretary,
        team,
        role.SECRETARIAT,
        HANOI_TEAM_START,
        valid_to=HANOI_OLD_END,
        agency=dpi,
        position="Phó Trưởng phòng Tổng hợp, Sở Kế hoạch và Đầu tư",
        document=d4854,
        assigned_by=former,
        duties=secretariat_duties,
    )
    _membership(
        secretary,
        team,
        role.SECRETARIAT,
        HANOI_NEW_START,
        agency=dof,
        position="Phó Trưởng phòng Tổng hợp, Sở Tài chính",
        legal_basis=NQ_06,
        assigned_by=leader,
        duties=secretariat_duties,
    )
    login(secretary, created, team, dof)

    specialist, created = _user(
        "chuyenvien",
        full_name="Vũ Đức Thắng",
        position="Chuyên viên Sở Tài chính",
        agency=dof,
    )
    _membership(
        specialist,
        team,
        role.SPECIALIST,
        HANOI_NEW_START,
        agency=dof,
        position="Chuyên viên Phòng Tổng hợp, Sở Tài chính",
        assigned_by=leader,
        duties=(
            "Cập nhật cơ sở dữ liệu nhiệm vụ, văn bản của Tổ điều phối; tổng hợp số liệu báo "
            "cáo của các sở, ngành; chuẩn bị hồ sơ các cuộc họp liên tỉnh."
        ),
    )
    login(specialist, created, team, dof)

    focal_sxd, created = _user(
        "daumoi.sxd",
        full_name="Đỗ Quang Huy",
        position="Trưởng phòng Kế hoạch - Tài chính, Sở Xây dựng",
        agency=doc_,
    )
    _membership(
        focal_sxd,
        team,
        role.MEMBER,
        HANOI_NEW_START,
        agency=doc_,
        position="Trưởng phòng Kế hoạch - Tài chính, Sở Xây dựng",
        assigned_by=leader,
        duties=(
            "Đầu mối của Sở Xây dựng: theo dõi các dự án giao thông kết nối vùng (đường Vành "
            "đai 4 - Vùng Thủ đô, các tuyến cao tốc hướng tâm); báo cáo tiến độ định kỳ cho "
            "Tổ điều phối."
        ),
    )
    login(focal_sxd, created, team, doc_)

    focal_snnmt, created = _user(
        "daumoi.snnmt",
        full_name="Hoàng Thị Lan",
        position="Phó Chánh Văn phòng Sở Nông nghiệp và Môi trường",
        agency=dae,
    )
    _membership(
        focal_snnmt,
        team,
        role.MEMBER,
        HANOI_NEW_START,
        agency=dae,
        position="Phó Chánh Văn phòng Sở Nông nghiệp và Môi trường",
        assigned_by=leader,
        duties=(
            "Đầu mối của Sở Nông nghiệp và Môi trường: phối hợp xử lý các vấn đề môi trường "
            "liên tỉnh (lưu vực sông Nhuệ - sông Đáy, sông Cầu), thủy lợi và phòng, chống "
            "thiên tai; báo cáo định kỳ."
        ),
    )
    login(focal_snnmt, created, team, dae)

    viewer, created = _user(
        "lanhdao",
        full_name="Ngô Văn Quang",
        position="Phó Chủ tịch UBND Thành phố",
        agency=city,
        is_leadership_viewer=True,
    )
    login(viewer, created, "", city)

    external, created = _user(
        "bacninh",
        full_name="Nguyễn Thị Mai",
        position="Chuyên viên Sở Tài chính tỉnh Bắc Ninh",
        agency=bac_ninh_finance,
    )
    _membership(
        external,
        bac_ninh_team,
        role.MEMBER,
        NEW_UNITS_START,
        agency=bac_ninh_finance,
        position="Chuyên viên Sở Tài chính tỉnh Bắc Ninh",
        duties=(
            "Đầu mối phối hợp của tỉnh Bắc Ninh với Tổ điều phối TP. Hà Nội về các vấn "
            "đề liên tỉnh."
        ),
    )
    login(external, created, bac_ninh_team, bac_ninh_finance)

    # A second province's team: shared matters and joint activities are
    # checked as users of two provinces.
    external2, created = _user(
        "hungyen",
        full_name="Trần Văn Bình",
        position="Chuyên viên Sở Tài chính tỉnh Hưng Yên",
        agency=hung_yen_finance,
    )
    _membership(
        external2,
        hung_yen_team,
        role.MEMBER,
        NEW_UNITS_START,
        agency=hung_yen_finance,
        position="Chuyên viên Sở Tài chính tỉnh Hưng Yên",
        duties=(
            "Đầu mối phối hợp của tỉnh Hưng Yên với Tổ điều phối TP. Hà Nội về các vấn "
            "đề liên tỉnh."
        ),
    )
    login(external2, created, hung_yen_team, hung_yen_finance)
    return logins


@transaction.atomic
def seed_all() -> SeedResult:
    """Everything ``seed_demo`` creates, in one transaction."""
    region, units = seed_region()
    agencies = seed_agencies(units)
    bodies = seed_bodies(units, agencies)
    documents = seed_documents(bodies, agencies)
    logins = seed_people(bodies, agencies, documents)
    seed_successions(agencies, documents)
    seed_parties(units, agencies, bodies, documents)
    return SeedResult(
        region=region,
        units=units,
        agencies=agencies,
        bodies=bodies,
        documents=documents,
        logins=logins,
    )
