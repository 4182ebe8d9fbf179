"""Reference data of the documents register, shared by ``seed_demo`` and tests.

Document types are Decree 30/2020/NĐ-CP Appendix III (domain.md §5). Công văn
has no abbreviation ("CV" is unofficial). The individual (cá biệt) Nghị quyết
and Quyết định are administrative documents; their normative (quy phạm pháp
luật) namesakes put the year in the symbol ("202/2025/QH15"), so they are
separate types flagged ``is_normative``.
"""

from dieuphoi.docs.models import DocumentType

# (key, name, abbreviation, is_normative)
DOCUMENT_TYPES: list[tuple[str, str, str, bool]] = [
    ("nghi-quyet", "Nghị quyết (cá biệt)", "NQ", False),
    ("quyet-dinh", "Quyết định (cá biệt)", "QĐ", False),
    ("chi-thi", "Chỉ thị", "CT", False),
    ("quy-che", "Quy chế", "QC", False),
    ("quy-dinh", "Quy định", "QyĐ", False),
    ("thong-cao", "Thông cáo", "TC", False),
    ("thong-bao", "Thông báo", "TB", False),
    ("huong-dan", "Hướng dẫn", "HD", False),
    ("hop-dong", "Hợp đồng", "HĐ", False),
    ("chuong-trinh", "Chương trình", "CTr", False),
    ("ke-hoach", "Kế hoạch", "KH", False),
    ("phuong-an", "Phương án", "PA", False),
    ("de-an", "Đề án", "ĐA", False),
    ("du-an", "Dự án", "DA", False),
    ("bao-cao", "Báo cáo", "BC", False),
    ("bien-ban", "Biên bản", "BB", False),
    ("to-trinh", "Tờ trình", "TTr", False),
    ("cong-dien", "Công điện", "CĐ", False),
    ("ban-ghi-nho", "Bản ghi nhớ", "BGN", False),
    ("ban-thoa-thuan", "Bản thỏa thuận", "BTT", False),
    ("giay-uy-quyen", "Giấy ủy quyền", "GUQ", False),
    ("giay-moi", "Giấy mời", "GM", False),
    ("giay-gioi-thieu", "Giấy giới thiệu", "GGT", False),
    ("giay-nghi-phep", "Giấy nghỉ phép", "GNP", False),
    ("phieu-gui", "Phiếu gửi", "PG", False),
    ("phieu-chuyen", "Phiếu chuyển", "PC", False),
    ("phieu-bao", "Phiếu báo", "PB", False),
    ("cong-van", "Công văn", "", False),
    # Normative documents (văn bản quy phạm pháp luật) cited by the registry.
    ("nghi-quyet-qppl", "Nghị quyết (quy phạm pháp luật)", "NQ", True),
    ("quyet-dinh-qppl", "Quyết định (quy phạm pháp luật)", "QĐ", True),
    ("nghi-dinh", "Nghị định", "NĐ", True),
    ("thong-tu", "Thông tư", "TT", True),
]


def seed_document_types() -> dict[str, DocumentType]:
    """Create or update every type; idempotent. Returns ``{key: DocumentType}``."""
    result = {}
    for key, name, abbreviation, is_normative in DOCUMENT_TYPES:
        doc_type, _ = DocumentType.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "abbreviation": abbreviation,
                "is_normative": is_normative,
            },
        )
        result[key] = doc_type
    return result
