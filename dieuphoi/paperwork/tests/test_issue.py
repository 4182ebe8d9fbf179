"""Issuing: the number is taken at issue only, once, with no gap; an issued
document is immutable; bad input writes nothing."""

import datetime
import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from dieuphoi.docs.models import Document
from dieuphoi.org.models import Membership
from dieuphoi.paperwork import content as c
from dieuphoi.paperwork import services
from dieuphoi.paperwork.models import (
    Paper,
    PaperKind,
    PaperStep,
    PaperVersion,
    RegisterCounter,
)

ON = datetime.date(2026, 11, 20)


@pytest.fixture
def engine(paper_body):
    """The Hanoi team with its kinds, issuing profile and register
    (``conftest.paper_body``)."""
    return paper_body


BLOCKS = [
    c.Heading(text="Kết quả thực hiện", level=1),
    c.Paragraph(text="Tổ điều phối đã rà soát các nhiệm vụ được giao."),
    c.Table(columns=("STT", "Nội dung"), rows=(c.TableRow(cells=("1", "Nhiệm vụ A")),)),
]


def draft(engine, actor, *, kind="bao-cao", signer, authority="TM", **kwargs):
    return services.paper_create(
        actor=actor,
        body=engine,
        kind=PaperKind.objects.get(key=kind),
        subject=kwargs.pop("subject", "Kết quả thực hiện nhiệm vụ tháng 11 năm 2026"),
        blocks=kwargs.pop("blocks", BLOCKS),
        authority=authority,
        signer=signer,
        render=False,
        **kwargs,
    )


def approved(engine, secretariat, leader, **kwargs):
    paper = draft(engine, secretariat, signer=leader, **kwargs)
    paper = services.paper_submit(actor=secretariat, paper=paper, version=paper.version)
    return services.paper_approve(actor=leader, paper=paper, version=paper.version)


def counter_value(engine) -> int:
    row = RegisterCounter.objects.filter(register__body=engine).first()
    return row.last_number if row else 0


@pytest.mark.django_db
def test_the_number_is_taken_only_when_the_document_is_issued(
    engine, secretariat, leader
):
    paper = approved(engine, secretariat, leader)
    assert paper.number is None and counter_value(engine) == 0
    assert not Document.objects.exists()

    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)

    assert paper.state == Paper.State.ISSUED
    assert (paper.number, paper.symbol, paper.reference) == (1, "BC-TĐP", "01/BC-TĐP")
    document = paper.document
    assert document.reference == "01/BC-TĐP"
    assert document.direction == Document.Direction.OUTGOING
    assert document.issued_on == ON and document.body == engine
    assert document.signer == str(leader)
    assert sorted(a.content_type for a in document.attachments.all()) == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert counter_value(engine) == 1
    assert [s.action for s in PaperStep.objects.filter(paper=paper)] == [
        "create",
        "submit",
        "approve",
        "issue",
    ]


@pytest.mark.django_db
def test_issuing_twice_keeps_the_first_number(engine, secretariat, leader):
    paper = approved(engine, secretariat, leader)
    first = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    again = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    assert again.number == first.number == 1
    assert Document.objects.count() == 1 and counter_value(engine) == 1


@pytest.mark.django_db
def test_issuing_without_approval_is_refused_and_writes_nothing(
    engine, secretariat, leader
):
    paper = draft(engine, secretariat, signer=leader)
    with pytest.raises(ValidationError) as error:
        services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    assert "state" in error.value.message_dict
    paper.refresh_from_db()
    assert paper.state == Paper.State.DRAFT and paper.number is None
    assert counter_value(engine) == 0 and not Document.objects.exists()


@pytest.mark.django_db
def test_only_the_secretariat_issues(engine, secretariat, leader):
    paper = approved(engine, secretariat, leader)
    with pytest.raises(PermissionDenied):
        services.paper_issue(actor=leader, paper_id=paper.pk, on=ON)
    assert counter_value(engine) == 0


@pytest.mark.django_db
def test_a_signer_whose_role_does_not_match_the_authority_is_refused(
    engine, secretariat, leader, deputy
):
    # KT. is signed by a deputy: the leader cannot be named.
    with pytest.raises(ValidationError) as error:
        draft(engine, secretariat, signer=leader, authority="KT")
    assert "signer" in error.value.message_dict
    assert not Paper.objects.exists()

    paper = draft(engine, secretariat, signer=deputy, authority="KT")
    paper = services.paper_submit(actor=secretariat, paper=paper, version=paper.version)
    # Someone else than the named signer: not theirs to approve.
    with pytest.raises(PermissionDenied):
        services.paper_approve(actor=leader, paper=paper, version=paper.version)
    # The deputy became the leader meanwhile: KT. no longer fits.
    Membership.objects.filter(person=deputy).update(role=Membership.Role.LEADER)
    from dieuphoi.org.permissions import clear_role_cache

    clear_role_cache(deputy)
    with pytest.raises(ValidationError) as error:
        services.paper_approve(actor=deputy, paper=paper, version=paper.version)
    assert "authority" in error.value.message_dict
    paper.refresh_from_db()
    assert paper.state == Paper.State.IN_REVIEW


@pytest.mark.django_db
def test_a_layout_error_keeps_no_number(engine, secretariat, leader, monkeypatch):
    paper = approved(engine, secretariat, leader)
    from dieuphoi.paperwork import render_pdf

    def broken(*args, **kwargs):
        raise RuntimeError("the PDF could not be laid out")

    monkeypatch.setattr(render_pdf, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    paper.refresh_from_db()
    assert paper.state == Paper.State.APPROVED and paper.number is None
    assert counter_value(engine) == 0 and not Document.objects.exists()

    monkeypatch.undo()
    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    assert paper.number == 1  # no gap


@pytest.mark.django_db
def test_an_issued_document_is_immutable(engine, secretariat, leader):
    paper = approved(engine, secretariat, leader)
    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    with pytest.raises(ValidationError):
        services.paper_update(
            actor=secretariat, paper=paper, version=paper.version, subject="Khác"
        )
    # Its register entry cannot be edited through the register either.
    assert not secretariat.has_perm("docs.change_document", paper.document)
    paper.refresh_from_db()
    assert paper.subject == "Kết quả thực hiện nhiệm vụ tháng 11 năm 2026"


@pytest.mark.django_db
def test_a_correction_replaces_the_issued_document_linked_both_ways(
    engine, secretariat, leader
):
    paper = approved(engine, secretariat, leader)
    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    correction = services.paper_correct(actor=secretariat, paper=paper)
    assert correction.state == Paper.State.DRAFT and correction.replaces == paper
    paper.refresh_from_db()
    assert paper.replaced_by == correction
    assert correction.current.blocks == paper.current.blocks
    # Only one correction at a time.
    with pytest.raises(PermissionDenied):
        services.paper_correct(actor=secretariat, paper=paper)


@pytest.mark.django_db
def test_the_signed_copy_must_be_a_pdf(engine, secretariat, leader):
    paper = approved(engine, secretariat, leader)
    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    files = paper.document.attachments.count()
    docx = SimpleUploadedFile("ban-ky.docx", b"PK\x03\x04 not a pdf")
    with pytest.raises(ValidationError) as error:
        services.paper_sign(
            actor=secretariat, paper=paper, version=paper.version, uploaded_file=docx
        )
    assert "file" in error.value.message_dict
    fake = SimpleUploadedFile("ban-ky.pdf", b"this is plain text, not a PDF")
    with pytest.raises(ValidationError):
        services.paper_sign(
            actor=secretariat, paper=paper, version=paper.version, uploaded_file=fake
        )
    paper.refresh_from_db()
    assert paper.state == Paper.State.ISSUED and paper.signed_copy is None
    assert paper.document.attachments.count() == files

    pdf = paper.document.attachments.get(content_type="application/pdf")
    signed = SimpleUploadedFile("ban-ky.pdf", pdf.file.read(), "application/pdf")
    paper = services.paper_sign(
        actor=secretariat, paper=paper, version=paper.version, uploaded_file=signed
    )
    assert paper.state == Paper.State.SIGNED and paper.signed_copy.original_name


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_and_writes_nothing(engine, secretariat, leader):
    from dieuphoi.api.errors import Conflict

    paper = draft(engine, secretariat, signer=leader)
    stale = paper.version
    services.paper_update(
        actor=secretariat, paper=paper, version=stale, subject="Báo cáo mới"
    )
    with pytest.raises(Conflict):
        services.paper_update(
            actor=secretariat, paper=paper, version=stale, subject="Ghi đè"
        )
    paper.refresh_from_db()
    assert paper.subject == "Báo cáo mới"
    assert PaperVersion.objects.filter(paper=paper).count() == 2


@pytest.mark.django_db
def test_a_template_text_with_markup_is_printed_as_text(engine, secretariat, leader):
    import pypdf
    from docx import Document as Docx

    kind = PaperKind.objects.get(key="giay-moi")
    kind.closing_text = (
        "Kính mời <b>đồng chí</b> & đại diện tham dự <script>x</script>."
    )
    kind.save()
    paper = approved(engine, secretariat, leader, kind="giay-moi")
    paper = services.paper_issue(actor=secretariat, paper_id=paper.pk, on=ON)
    files = {a.content_type: a for a in paper.document.attachments.all()}
    word = Docx(files[next(k for k in files if "word" in k)].file)
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Kính mời <b>đồng chí</b> & đại diện tham dự <script>x</script>." in text
    pdf = pypdf.PdfReader(io.BytesIO(files["application/pdf"].file.read()))
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "<b>đồng chí</b> & đại diện" in pdf_text


def test_two_clerks_issuing_at_the_same_moment_never_share_a_number(
    engine, secretariat, leader, thread_db
):
    """Threads on both databases: PostgreSQL's row lock on the counter,
    SQLite's single writer (IMMEDIATE transactions, busy timeout)."""
    papers = [approved(engine, secretariat, leader) for _ in range(6)]
    bind = thread_db()  # after the data is committed
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []
    queue = [paper.pk for paper in papers]
    lock = threading.Lock()

    def clerk():
        bind()
        try:
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    paper_id = queue.pop()
                services.paper_issue(actor=secretariat, paper_id=paper_id, on=ON)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=clerk) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found: dict = {}

    def read():
        bind()
        try:
            found["papers"] = sorted(Paper.objects.values_list("number", flat=True))
            found["documents"] = sorted(
                int(n) for n in Document.objects.values_list("number", flat=True)
            )
            found["counter"] = counter_value(engine)
        finally:
            connections["default"].close()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    assert found == {
        "papers": [1, 2, 3, 4, 5, 6],
        "documents": [1, 2, 3, 4, 5, 6],
        "counter": 6,
    }
