import datetime
import io

import factory

from dieuphoi.docs.models import Document, DocumentType
from dieuphoi.org.tests.factories import AgencyFactory, BodyFactory


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("key",)

    key = "bao-cao"
    name = "Báo cáo"
    abbreviation = "BC"
    is_normative = False


def cong_van_type() -> DocumentType:
    return DocumentTypeFactory(key="cong-van", name="Công văn", abbreviation="")


def quyet_dinh_type() -> DocumentType:
    return DocumentTypeFactory(key="quyet-dinh", name="Quyết định", abbreviation="QĐ")


class DocumentFactory(factory.django.DjangoModelFactory):
    """A row written directly (not through the service), for reads and pages."""

    class Meta:
        model = Document

    body = factory.SubFactory(BodyFactory)
    doc_type = factory.SubFactory(DocumentTypeFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    symbol = "BC-TĐP"
    issuer = factory.SubFactory(AgencyFactory)
    signer = "Nguyễn Văn A"
    issued_on = datetime.date(2025, 3, 5)
    summary = factory.Sequence(lambda n: f"Báo cáo tình hình liên kết vùng số {n}")
    direction = Document.Direction.OUTGOING

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        document = model_class(*args, **kwargs)
        document.search_text = document.compute_search_text()
        document.save()
        return document


# --- file contents ----------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole2(stream_name: str | None) -> bytes:
    """A compound file with one directory entry named ``stream_name``."""
    entry = b""
    if stream_name:
        entry = stream_name.encode("utf-16-le") + b"\x00\x00"
    return OLE2 + b"\x00" * 1016 + entry.ljust(128, b"\x00") + b"\x00" * 512


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Báo cáo tình hình thực hiện nhiệm vụ")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Nhiệm vụ"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(names: list[str]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()
