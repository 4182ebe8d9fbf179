import datetime
import json

import pytest
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs import services
from dieuphoi.docs.models import Attachment, Document
from dieuphoi.org.permissions import clear_role_cache

from .conftest import assert_nothing_written, stored_files, upload
from .factories import EXE, PDF, DocumentFactory

HX = {"HTTP_HX_REQUEST": "true"}
XSS = "<script>alert('trích yếu')</script>"


def form_data(body, doc_type, issuer, /, **overrides):
    data = {
        "body": body.pk,
        "doc_type": doc_type.pk,
        "number": "15",
        "symbol": "BC-TĐP",
        "issued_on": "05/03/2025",
        "issuer": issuer.pk,
        "signer": "Trần Thị B",
        "summary": "Báo cáo kết quả phối hợp liên kết vùng",
        "direction": "out",
    }
    data.update(overrides)
    return data


# --- list -------------------------------------------------------------------


def test_list_shows_the_register_to_a_member(login, member, document):
    response = login(member).get(reverse("docs:list"))
    assert response.status_code == 200
    assert document.reference in response.content.decode()


def test_list_shows_nothing_to_an_outsider(login, outsider, document):
    response = login(outsider).get(reverse("docs:list"))
    assert response.status_code == 200
    assert document.reference not in response.content.decode()
    assert response.context["documents"] == []


def test_list_requires_login(client, document):
    response = client.get(reverse("docs:list"))
    assert response.status_code == 302


def test_list_escapes_html_in_summaries(login, member, hanoi_team, report_type, issuer):
    DocumentFactory(body=hanoi_team, doc_type=report_type, issuer=issuer, summary=XSS)
    html = login(member).get(reverse("docs:list")).content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert(&#x27;trích yếu&#x27;)&lt;/script&gt;" in html


def test_list_search_with_htmx_returns_only_the_table(
    login, member, document, other_document
):
    response = login(member).get(reverse("docs:list"), {"q": "12/BC-TĐP"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="document-table"' in html
    assert f'id="document-row-{document.pk}"' in html
    assert "Vary" in response and "HX-Request" in response["Vary"]


def test_load_more_returns_the_next_rows_only(
    login, member, hanoi_team, report_type, issuer, monkeypatch
):
    from dieuphoi.docs import selectors

    docs = [
        DocumentFactory(
            body=hanoi_team,
            doc_type=report_type,
            issuer=issuer,
            issued_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
        )
        for n in range(3)
    ]
    original = selectors.document_list
    monkeypatch.setattr(
        selectors, "document_list", lambda **kw: original(**{**kw, "limit": 2})
    )
    client = login(member)
    first = client.get(reverse("docs:list"))
    more_url = first.context["more_url"]
    assert more_url
    assert f'id="document-row-{docs[0].pk}"' not in first.content.decode()

    response = client.get(more_url, **HX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="document-table"' not in html
    assert f'id="document-row-{docs[0].pk}"' in html
    assert f'id="document-row-{docs[2].pk}"' not in html
    assert 'id="document-rows-more"' not in html


def test_list_ignores_a_forged_cursor(login, member, document):
    response = login(member).get(reverse("docs:list"), {"after": "%%%"})
    assert response.status_code == 200
    assert document.reference in response.content.decode()


def test_list_shows_a_bad_filter_date_as_a_field_error(login, member, document):
    response = login(member).get(reverse("docs:list"), {"date_from": "31/02/2025"})
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors
    assert document.reference in response.content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_fixed(
    rows, login, member, hanoi_team, report_type, issuer, django_assert_num_queries
):
    DocumentFactory.create_batch(
        rows, body=hanoi_team, doc_type=report_type, issuer=issuer
    )
    client = login(member)
    clear_role_cache(member)
    # session, user (with the roles), visible bodies, page of documents, then
    # the filter form's two selects (types, bodies)
    with django_assert_num_queries(6):
        response = client.get(reverse("docs:list"), {"q": "vùng"})
    assert len(response.context["documents"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_list_fragment_query_count_is_fixed(
    rows, login, member, hanoi_team, report_type, issuer, django_assert_num_queries
):
    DocumentFactory.create_batch(
        rows, body=hanoi_team, doc_type=report_type, issuer=issuer
    )
    client = login(member)
    # session, user (with the roles), visible bodies, the page; no form in
    # the fragment
    with django_assert_num_queries(4):
        response = client.get(reverse("docs:list"), {"q": "vùng"}, **HX)
    assert response.content.decode().count('id="document-row-') == rows


# --- detail -----------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["member", "leadership_viewer", "secretariat", "admin_user"]
)
def test_detail_is_shown_to_those_who_may_see_it(role, request, login, document):
    response = login(request.getfixturevalue(role)).get(document.get_absolute_url())
    assert response.status_code == 200
    assert document.summary in response.content.decode()


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_detail_is_404_for_others(role, request, login, document):
    response = login(request.getfixturevalue(role)).get(document.get_absolute_url())
    assert response.status_code == 404


def test_detail_escapes_html_in_the_summary(
    login, member, hanoi_team, report_type, issuer
):
    doc = DocumentFactory(
        body=hanoi_team, doc_type=report_type, issuer=issuer, summary=XSS
    )
    html = login(member).get(doc.get_absolute_url()).content.decode()
    assert XSS not in html
    assert "&lt;script&gt;" in html


def test_detail_shows_the_timeline_and_attachments(login, secretariat, document):
    services.document_update(
        actor=secretariat, document=document, version=1, summary="Trích yếu <b>mới</b>"
    )
    services.attachment_add(
        actor=secretariat,
        target=document,
        uploaded_file=upload("Tờ trình số 5.pdf", PDF),
    )
    html = login(secretariat).get(document.get_absolute_url()).content.decode()
    assert "Tờ trình số 5.pdf" in html
    assert 'id="attachments"' in html
    assert 'class="attachment-upload"' in html
    assert "Trích yếu &lt;b&gt;mới&lt;/b&gt;" in html  # in the timeline, escaped
    assert "Trích yếu <b>mới</b>" not in html


def test_detail_hides_upload_and_edit_from_a_member(login, member, document):
    html = login(member).get(document.get_absolute_url()).content.decode()
    assert 'class="attachment-upload"' not in html
    assert reverse("docs:edit", args=[document.pk]) not in html


# --- create -----------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["member", "leadership_viewer", "outsider", "external"]
)
def test_create_is_forbidden_without_a_register_to_manage(
    role, request, login, hanoi_team
):
    response = login(request.getfixturevalue(role)).get(reverse("docs:create"))
    assert response.status_code == 403


def test_create_registers_and_redirects(
    login, secretariat, hanoi_team, report_type, issuer
):
    response = login(secretariat).post(
        reverse("docs:create"), form_data(hanoi_team, report_type, issuer)
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert document.issued_on == datetime.date(2025, 3, 5)
    assert AuditEvent.objects.filter(action="docs.register").count() == 1


def test_create_with_htmx_redirects_the_client(
    login, secretariat, hanoi_team, report_type, issuer
):
    response = login(secretariat).post(
        reverse("docs:create"), form_data(hanoi_team, report_type, issuer), **HX
    )
    assert response["HX-Redirect"] == Document.objects.get().get_absolute_url()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": "12a"}, "number"),
        ({"summary": "x" * 10_000}, "summary"),
        ({"issued_on": "30/02/2025"}, "issued_on"),
        ({"issued_on": "01/01/2999"}, "issued_on"),
        ({"issuer": "999999"}, "issuer"),
        ({"doc_type": "999999"}, "doc_type"),
        ({"symbol": ""}, "symbol"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_create_shows_field_errors_and_writes_nothing(
    overrides, field, login, secretariat, hanoi_team, report_type, issuer, media
):
    response = login(secretariat).post(
        reverse("docs:create"),
        form_data(hanoi_team, report_type, issuer, **overrides),
        **HX,
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="document-form"' in html
    assert "is-invalid" in html
    assert_nothing_written(media)
    assert not AuditEvent.objects.exists()


def test_create_shows_an_issuer_that_did_not_exist_yet(
    login, secretariat, hanoi_team, report_type, old_dpi, media
):
    response = login(secretariat).post(
        reverse("docs:create"),
        form_data(hanoi_team, report_type, old_dpi, issued_on="01/03/2025"),
    )
    errors = response.context["form"].errors["issuer"]
    assert "01/03/2025" in errors[0]
    assert_nothing_written(media)


def test_create_refuses_a_body_the_user_does_not_manage(
    login, secretariat, other_team, report_type, issuer, media
):
    response = login(secretariat).post(
        reverse("docs:create"), form_data(other_team, report_type, issuer)
    )
    assert "body" in response.context["form"].errors
    assert_nothing_written(media)


# --- edit -------------------------------------------------------------------


def test_edit_saves_with_the_current_version(
    login, secretariat, document, report_type, issuer
):
    data = form_data(document.body, report_type, issuer, number="12", summary="Đã sửa")
    data["version"] = 1
    response = login(secretariat).post(reverse("docs:edit", args=[document.pk]), data)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.summary == "Đã sửa"
    assert document.version == 2


def test_edit_with_a_stale_version_shows_the_other_persons_values(
    login, secretariat, deputy, document, report_type, issuer
):
    services.document_update(
        actor=deputy, document=document, version=1, summary="Bản của phó tổ trưởng"
    )
    data = form_data(
        document.body, report_type, issuer, number="12", summary="Bản của tôi"
    )
    data["version"] = 1
    response = login(secretariat).post(reverse("docs:edit", args=[document.pk]), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Bản của phó tổ trưởng" in html
    assert "Bản của tôi" in html
    assert str(deputy) in html
    assert response.context["form"]["version"].value() == "2"
    document.refresh_from_db()
    assert document.summary == "Bản của phó tổ trưởng"
    assert AuditEvent.objects.filter(action="docs.update").count() == 1

    # Saving again, knowingly, keeps the user's values.
    data["version"] = 2
    login(secretariat).post(reverse("docs:edit", args=[document.pk]), data)
    document.refresh_from_db()
    assert document.summary == "Bản của tôi"


def test_edit_shows_field_errors_and_changes_nothing(
    login, secretariat, document, report_type, issuer
):
    data = form_data(
        document.body, report_type, issuer, number="12", summary="y" * 10_000
    )
    data["version"] = 1
    response = login(secretariat).post(
        reverse("docs:edit", args=[document.pk]), data, **HX
    )
    assert "summary" in response.context["form"].errors
    assert "<html" not in response.content.decode()
    document.refresh_from_db()
    assert document.version == 1


@pytest.mark.parametrize(
    ("role", "status"), [("member", 403), ("outsider", 404), ("external", 404)]
)
def test_edit_is_refused(role, status, request, login, document):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("docs:edit", args=[document.pk])).status_code == status
    assert (
        client.post(reverse("docs:edit", args=[document.pk]), {}).status_code == status
    )


# --- attachments ------------------------------------------------------------


def upload_url(document):
    return reverse("docs:attachment-upload", args=[document.pk])


def test_upload_with_htmx_returns_the_attachments_fragment(
    login, secretariat, document, media
):
    response = login(secretariat).post(
        upload_url(document), {"file": upload("Kế hoạch.pdf", PDF)}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="attachments"')
    assert "Kế hoạch.pdf" in html
    assert "showToast" in response["HX-Trigger"]
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_upload_and_removal_tell_the_timeline_to_reload(login, secretariat, document):
    client = login(secretariat)
    response = client.post(upload_url(document), {"file": upload("a.pdf", PDF)}, **HX)
    assert "timeline-changed" in json.loads(response["HX-Trigger"])
    attachment = Attachment.objects.get()
    response = client.post(
        reverse("docs:attachment-remove", args=[attachment.pk]), **HX
    )
    assert "timeline-changed" in json.loads(response["HX-Trigger"])


def test_detail_timeline_partial_shows_the_upload(login, secretariat, document):
    client = login(secretariat)
    client.post(upload_url(document), {"file": upload("Kế hoạch.pdf", PDF)}, **HX)
    page = client.get(document.get_absolute_url()).content.decode()
    assert 'hx-trigger="timeline-changed from:body"' in page
    assert f'hx-get="{document.get_absolute_url()}?partial=timeline"' in page
    response = client.get(f"{document.get_absolute_url()}?partial=timeline", **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="timeline" id="timeline"')
    assert "<html" not in html
    assert "Kế hoạch.pdf" in html


def test_upload_without_htmx_redirects(login, secretariat, document):
    response = login(secretariat).post(
        upload_url(document), {"file": upload("a.pdf", PDF)}
    )
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()


def test_upload_of_an_executable_named_pdf_shows_the_error_and_writes_nothing(
    login, secretariat, document, media
):
    response = login(secretariat).post(
        upload_url(document), {"file": upload("bao-cao.pdf", EXE)}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="id_file_error"' in html
    assert "is-invalid" in html
    assert_nothing_written(media, documents=1)


def test_upload_without_a_file_is_a_field_error(login, secretariat, document, media):
    response = login(secretariat).post(upload_url(document), {})
    assert "file" in response.context["upload_form"].errors
    assert "<html" in response.content.decode()  # without htmx: the whole page
    assert_nothing_written(media, documents=1)


@pytest.mark.parametrize(
    ("role", "status"), [("member", 403), ("outsider", 404), ("external", 404)]
)
def test_upload_is_refused(role, status, request, login, document, media):
    response = login(request.getfixturevalue(role)).post(
        upload_url(document), {"file": upload("a.pdf", PDF)}
    )
    assert response.status_code == status
    assert_nothing_written(media, documents=1)


@pytest.fixture
def attachment(secretariat, document):
    return services.attachment_add(
        actor=secretariat,
        target=document,
        uploaded_file=upload("Báo cáo quý I năm 2025.pdf", PDF),
    )


def test_download_streams_the_file_with_its_vietnamese_name(login, member, attachment):
    response = login(member).get(
        reverse("docs:attachment-download", args=[attachment.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert (
        "filename*=utf-8''B%C3%A1o%20c%C3%A1o%20qu%C3%BD%20I%20n%C4%83m%202025.pdf"
        in disposition
    )


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_download_is_404_for_those_who_cannot_see_the_document(
    role, request, login, attachment
):
    response = login(request.getfixturevalue(role)).get(
        reverse("docs:attachment-download", args=[attachment.pk])
    )
    assert response.status_code == 404


def test_download_of_a_missing_attachment_is_404(login, admin_user):
    response = login(admin_user).get(reverse("docs:attachment-download", args=[424242]))
    assert response.status_code == 404


def test_remove_with_htmx_empties_the_row(
    login, secretariat, attachment, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(secretariat).post(
            reverse("docs:attachment-remove", args=[attachment.pk]), **HX
        )
    assert response.status_code == 200
    assert response.content == b""
    assert not Attachment.objects.exists()
    # A soft delete: the file stays for an administrator to restore.
    assert Attachment.all_objects.get().deleted_by == secretariat
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("outsider", 404)])
def test_remove_is_refused(role, status, request, login, attachment):
    response = login(request.getfixturevalue(role)).post(
        reverse("docs:attachment-remove", args=[attachment.pk])
    )
    assert response.status_code == status
    assert Attachment.objects.count() == 1


def test_create_offers_only_registers_of_bodies_that_exist_today(
    login, admin_user, hanoi_team
):
    from dieuphoi.org.tests.factories import BodyFactory

    ended = BodyFactory(
        name="Tổ công tác đã giải thể",
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2021, 1, 1),
    )
    response = login(admin_user).get(reverse("docs:create"))
    choices = [pk for pk, _ in response.context["form"].fields["body"].choices]
    assert hanoi_team.pk in [getattr(c, "value", c) for c in choices]
    assert ended.pk not in [getattr(c, "value", c) for c in choices]
