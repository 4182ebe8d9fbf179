import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs import services
from dieuphoi.docs.models import Attachment, Document

from .conftest import assert_nothing_written, stored_files, upload
from .factories import (
    EXE,
    GIF,
    HTML,
    JPEG,
    PDF,
    PNG,
    WEBP,
    docx_bytes,
    ole2,
    xlsx_bytes,
    zip_bytes,
)

TODAY = datetime.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(services, "local_today", lambda: TODAY)


def register(actor, body, doc_type, issuer, **overrides):
    values = {
        "actor": actor,
        "body": body,
        "doc_type": doc_type,
        "number": "12",
        "symbol": "BC-TĐP",
        "issuer": issuer,
        "signer": "Nguyễn Văn A",
        "issued_on": datetime.date(2025, 3, 5),
        "summary": "Báo cáo tình hình thực hiện nhiệm vụ liên kết vùng quý I",
        "direction": Document.Direction.OUTGOING,
    }
    values.update(overrides)
    return services.document_register(**values)


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- document_register ------------------------------------------------------


def test_register_saves_the_document_and_audits_it(
    secretariat, hanoi_team, report_type, issuer
):
    document = register(secretariat, hanoi_team, report_type, issuer)

    assert document.pk is not None
    assert document.reference == "12/BC-TĐP"
    assert document.created_by == secretariat
    assert document.version == 1
    event = AuditEvent.objects.get(target_id=str(document.pk))
    assert event.action == "docs.register"
    assert event.actor == secretariat
    assert event.changes["number"] == {"before": None, "after": "12"}
    assert event.changes["issuer"]["after"]["id"] == issuer.pk


@pytest.mark.parametrize("number", ["986", "06", "202"])
def test_register_accepts_digit_numbers(
    number, secretariat, hanoi_team, report_type, issuer
):
    assert (
        register(secretariat, hanoi_team, report_type, issuer, number=number).number
        == number
    )


@pytest.mark.parametrize("number", ["12a", "1 2", "-3", "", "12/BC"])
def test_register_rejects_a_number_that_is_not_digits(
    number, secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, number=number)
    assert "number" in field_errors(excinfo)
    assert_nothing_written(media)
    assert not AuditEvent.objects.exists()


def test_register_requires_a_symbol_for_a_type_with_an_abbreviation(
    secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, symbol="  ")
    assert "symbol" in field_errors(excinfo)
    assert_nothing_written(media)


def test_register_allows_a_cong_van_without_symbol(
    secretariat, hanoi_team, letter_type, issuer
):
    document = register(
        secretariat, hanoi_team, letter_type, issuer, number="865", symbol=""
    )
    assert document.reference == "865"


def test_register_accepts_a_normative_symbol_with_the_year(
    secretariat, hanoi_team, report_type, issuer
):
    document = register(
        secretariat, hanoi_team, report_type, issuer, number="24", symbol="2025/QĐ-UBND"
    )
    assert document.reference == "24/2025/QĐ-UBND"


@pytest.mark.parametrize("symbol", ["QĐ TTg", "<b>QĐ</b>", "-QĐ"])
def test_register_rejects_a_malformed_symbol(
    symbol, secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, symbol=symbol)
    assert "symbol" in field_errors(excinfo)
    assert_nothing_written(media)


def test_register_rejects_a_summary_of_10000_characters(
    secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, summary="ă" * 10_000)
    messages = field_errors(excinfo)["summary"]
    assert len(messages) == 1
    assert "10000" in messages[0]
    assert_nothing_written(media)


def test_register_accepts_a_summary_of_exactly_1000_characters(
    secretariat, hanoi_team, report_type, issuer
):
    document = register(
        secretariat, hanoi_team, report_type, issuer, summary="ư" * 1000
    )
    assert len(document.summary) == 1000


def test_register_rejects_an_empty_summary(
    secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, summary="   ")
    assert "summary" in field_errors(excinfo)
    assert_nothing_written(media)


def test_register_rejects_a_date_after_today(
    secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(
            secretariat,
            hanoi_team,
            report_type,
            issuer,
            issued_on=TODAY + datetime.timedelta(days=1),
        )
    assert "issued_on" in field_errors(excinfo)
    assert_nothing_written(media)


def test_register_accepts_today(secretariat, hanoi_team, report_type, issuer):
    assert (
        register(
            secretariat, hanoi_team, report_type, issuer, issued_on=TODAY
        ).issued_on
        == TODAY
    )


@pytest.mark.parametrize("issued_on", [datetime.date(202, 3, 5), "2025-02-30", None])
def test_register_rejects_an_invalid_date(
    issued_on, secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, issued_on=issued_on)
    assert "issued_on" in field_errors(excinfo)
    assert_nothing_written(media)


def test_register_rejects_an_issuer_that_did_not_exist_on_the_date(
    secretariat, hanoi_team, report_type, old_dpi, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(
            secretariat,
            hanoi_team,
            report_type,
            old_dpi,
            issued_on=datetime.date(2025, 3, 1),
        )
    [message] = field_errors(excinfo)["issuer"]
    assert "01/03/2025" in message or "2025-03-01" in message
    assert_nothing_written(media)


def test_register_accepts_the_issuer_on_its_last_day(
    secretariat, hanoi_team, report_type, old_dpi
):
    document = register(
        secretariat,
        hanoi_team,
        report_type,
        old_dpi,
        issued_on=datetime.date(2025, 2, 28),
    )
    assert document.issuer == old_dpi


def test_register_rejects_an_unknown_direction(
    secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(secretariat, hanoi_team, report_type, issuer, direction="sideways")
    assert "direction" in field_errors(excinfo)
    assert_nothing_written(media)


def test_register_rejects_the_same_number_symbol_and_year_in_one_register(
    secretariat, hanoi_team, report_type, issuer
):
    register(secretariat, hanoi_team, report_type, issuer)
    with pytest.raises(ValidationError) as excinfo:
        register(
            secretariat,
            hanoi_team,
            report_type,
            issuer,
            issued_on=datetime.date(2025, 5, 1),
        )
    assert "number" in field_errors(excinfo)
    assert Document.objects.count() == 1
    assert AuditEvent.objects.filter(action="docs.register").count() == 1


def test_register_allows_the_same_number_in_another_year_or_register(
    secretariat, hanoi_team, other_team, report_type, issuer
):
    register(secretariat, hanoi_team, report_type, issuer)
    register(
        secretariat,
        hanoi_team,
        report_type,
        issuer,
        issued_on=datetime.date(2024, 3, 5),
    )
    register(secretariat, other_team, report_type, issuer)
    assert Document.objects.count() == 3


def test_register_reports_every_bad_field_at_once(
    secretariat, hanoi_team, report_type, issuer, media
):
    with pytest.raises(ValidationError) as excinfo:
        register(
            secretariat,
            hanoi_team,
            report_type,
            issuer,
            number="x",
            summary="a" * 1001,
            signer="s" * 151,
        )
    assert {"number", "summary", "signer"} <= set(field_errors(excinfo))
    assert_nothing_written(media)


def test_register_keeps_html_as_text(secretariat, hanoi_team, report_type, issuer):
    document = register(
        secretariat,
        hanoi_team,
        report_type,
        issuer,
        summary="<script>alert('x')</script> về việc",
    )
    assert document.summary == "<script>alert('x')</script> về việc"


def test_register_normalises_decomposed_vietnamese(
    secretariat, hanoi_team, report_type, issuer
):
    decomposed = "Ke\u0302\u0301 hoa\u0323ch"  # "Kế hoạch" typed on macOS
    document = register(
        secretariat, hanoi_team, report_type, issuer, summary=decomposed
    )
    assert document.summary == "Kế hoạch"


# --- document_update --------------------------------------------------------


def test_update_changes_fields_bumps_the_version_and_audits_the_diff(
    secretariat, document, old_dpi
):
    updated = services.document_update(
        actor=secretariat,
        document=document,
        version=1,
        summary="Báo cáo đã sửa",
        issuer=old_dpi,
        issued_on=datetime.date(2025, 2, 1),
    )

    assert updated.version == 2
    document.refresh_from_db()
    assert document.summary == "Báo cáo đã sửa"
    event = AuditEvent.objects.get(action="docs.update")
    assert event.changes["summary"] == {
        "before": "Báo cáo tình hình triển khai Đề án liên kết vùng",
        "after": "Báo cáo đã sửa",
    }
    assert event.changes["issued_on"] == {"before": "2025-03-05", "after": "2025-02-01"}
    assert event.changes["issuer"]["after"] == {"id": old_dpi.pk, "repr": str(old_dpi)}
    assert "number" not in event.changes


def test_update_with_a_stale_version_raises_conflict_and_writes_nothing(
    secretariat, document
):
    services.document_update(
        actor=secretariat, document=document, version=1, summary="Lần một"
    )
    with pytest.raises(Conflict) as excinfo:
        services.document_update(
            actor=secretariat, document=document, version=1, summary="Lần hai"
        )

    assert excinfo.value.current_version == 2
    document.refresh_from_db()
    assert document.summary == "Lần một"
    assert AuditEvent.objects.filter(action="docs.update").count() == 1


def test_update_without_changes_writes_nothing(secretariat, document):
    result = services.document_update(
        actor=secretariat, document=document, version=1, summary=document.summary
    )
    assert result.version == 1
    assert not AuditEvent.objects.filter(action="docs.update").exists()


def test_update_validates_like_register(secretariat, document):
    with pytest.raises(ValidationError) as excinfo:
        services.document_update(
            actor=secretariat,
            document=document,
            version=1,
            number="abc",
            summary="x" * 10_000,
        )
    assert {"number", "summary"} <= set(excinfo.value.message_dict)
    document.refresh_from_db()
    assert document.version == 1
    assert document.number == "12"


def test_update_refuses_to_move_a_document_to_another_register(
    secretariat, document, other_team
):
    with pytest.raises(TypeError):
        services.document_update(
            actor=secretariat, document=document, version=1, body=other_team
        )


def test_update_refreshes_the_search_text(secretariat, document):
    services.document_update(
        actor=secretariat, document=document, version=1, summary="Quy hoạch Thủ đô"
    )
    document.refresh_from_db()
    assert "quy hoạch thủ đô" in document.search_text
    assert "quy hoach thu do" in document.search_text


# --- attachment_add ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("Báo cáo.pdf", PDF, "application/pdf"),
        ("anh.png", PNG, "image/png"),
        ("anh.JPG", JPEG, "image/jpeg"),
        ("anh.jpeg", JPEG, "image/jpeg"),
        ("anh.gif", GIF, "image/gif"),
        ("anh.webp", WEBP, "image/webp"),
        (
            "du-thao.docx",
            None,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "bang.xlsx",
            None,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("cu.doc", ole2("WordDocument"), "application/msword"),
        ("cu.xls", ole2("Workbook"), "application/vnd.ms-excel"),
    ],
)
def test_attachment_add_accepts_the_listed_types(
    name, content, mime, secretariat, document, media
):
    if content is None:
        content = docx_bytes() if name.endswith(".docx") else xlsx_bytes()
    attachment = services.attachment_add(
        actor=secretariat,
        target=document,
        uploaded_file=upload(name, content, "text/plain"),
    )

    assert attachment.content_type == mime  # sniffed, not the browser's "text/plain"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.original_name == name
    assert attachment.target == document
    [path] = stored_files(media)
    assert path.read_bytes() == content
    # Stored under a generated name, never the user's.
    assert path.stem != name.rsplit(".", 1)[0]
    assert len(path.stem) == 32
    event = AuditEvent.objects.get(action="docs.attachment_add")
    assert event.target_id == str(document.pk)
    assert event.changes == {"attachments": {"before": None, "after": name}}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", EXE),  # Windows executable renamed
        ("bao-cao.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200),  # Linux executable
        ("bao-cao.pdf", HTML),
        ("bao-cao.docx", zip_bytes(["payload.js"])),  # a plain ZIP
        (
            "bao-cao.docx",
            zip_bytes(
                ["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"]
            ),
        ),
        ("bao-cao.doc", ole2(None)),  # OLE2 but not Word (an MSI, say)
        ("bao-cao.xls", ole2("WordDocument")),  # Word named as Excel
        ("bao-cao.docx", PDF),  # a PDF named as Word
        ("anh.png", JPEG),  # image of another kind
        ("bao-cao.exe", EXE),
        (
            "anh.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        ),
        ("bao-cao", PDF),  # no extension
        ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),
        ("rong.pdf", b""),
    ],
)
def test_attachment_add_refuses_other_content_and_writes_nothing(
    name, content, secretariat, document, media
):
    with pytest.raises(ValidationError) as excinfo:
        services.attachment_add(
            actor=secretariat, target=document, uploaded_file=upload(name, content)
        )

    assert list(excinfo.value.message_dict) == ["file"]
    assert_nothing_written(media, documents=1)
    assert not AuditEvent.objects.filter(action="docs.attachment_add").exists()


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_attachment_add_refuses_a_file_over_the_limit(secretariat, document, media):
    with pytest.raises(ValidationError) as excinfo:
        services.attachment_add(
            actor=secretariat,
            target=document,
            uploaded_file=upload("lon.pdf", PDF + b"0" * 2048),
        )
    assert (
        "1,0" in excinfo.value.message_dict["file"][0]
        or "1.0" in excinfo.value.message_dict["file"][0]
    )
    assert_nothing_written(media, documents=1)


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_attachment_add_counts_bytes_even_if_the_size_lies(
    secretariat, document, media
):
    uploaded = upload("lon.pdf", PDF + b"0" * 4096)
    uploaded.size = 10  # a misreported size must not bypass the limit
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=secretariat, target=document, uploaded_file=uploaded
        )
    assert_nothing_written(media, documents=1)


@override_settings(ATTACHMENT_MAX_BYTES=len(PDF))
def test_attachment_add_accepts_a_file_of_exactly_the_limit(secretariat, document):
    attachment = services.attachment_add(
        actor=secretariat, target=document, uploaded_file=upload("vua.pdf", PDF)
    )
    assert attachment.size == len(PDF)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\chuyenvien\\Báo cáo quý I.pdf", "Báo cáo quý I.pdf"),
        ("/var/www/../x.pdf", "x.pdf"),
        ("bao\x00cao\x1b[31m.pdf", "baocao[31m.pdf"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_attachment_add_keeps_only_a_clean_original_name(
    name, expected, secretariat, document, media
):
    attachment = services.attachment_add(
        actor=secretariat, target=document, uploaded_file=upload(name, PDF)
    )
    assert attachment.original_name == expected
    assert len(attachment.original_name) <= 255
    [path] = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())
    assert path.name.endswith(".pdf")
    assert "passwd" not in str(path) and ".." not in attachment.file.name


def test_attachment_add_deletes_the_stored_file_if_the_database_write_fails(
    secretariat, document, media, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.attachment_add(
            actor=secretariat, target=document, uploaded_file=upload("a.pdf", PDF)
        )
    assert_nothing_written(media, documents=1)


def test_attachment_add_refuses_an_unregistered_target(secretariat, hanoi_team, media):
    with pytest.raises(TypeError):
        services.attachment_add(
            actor=secretariat, target=hanoi_team, uploaded_file=upload("a.pdf", PDF)
        )
    assert stored_files(media) == []


# --- attachment_remove ------------------------------------------------------


def test_attachment_remove_hides_the_row_keeps_the_file_and_audits(
    secretariat, document, media, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        actor=secretariat, target=document, uploaded_file=upload("Tờ trình.pdf", PDF)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=secretariat, attachment=attachment)

    assert not Attachment.objects.exists()
    removed = Attachment.all_objects.get()
    assert removed.deleted_at is not None
    assert removed.deleted_by == secretariat
    # Kept for an administrator to restore until the purge.
    assert len(stored_files(media)) == 1
    event = AuditEvent.objects.get(action="docs.attachment_remove")
    assert event.target_id == str(document.pk)
    assert event.changes == {"attachments": {"before": "Tờ trình.pdf", "after": None}}
