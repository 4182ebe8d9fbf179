import datetime
import json

import pytest

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Document

from .conftest import assert_nothing_written
from .factories import DocumentFactory

URL = "/api/v1/documents"


def payload(body, doc_type, issuer, /, **overrides):
    data = {
        "body_id": body.pk,
        "doc_type": doc_type.key,
        "number": "15",
        "symbol": "BC-TĐP",
        "issuer_id": issuer.pk,
        "signer": "Trần Thị B",
        "issued_on": "2025-03-05",
        "summary": "Báo cáo kết quả phối hợp liên kết vùng",
        "direction": "out",
    }
    data.update(overrides)
    return data


def post(client, data):
    return client.post(URL, json.dumps(data), content_type="application/json")


def patch(client, pk, data):
    return client.patch(
        f"{URL}/{pk}", json.dumps(data), content_type="application/json"
    )


def error_fields(response) -> dict:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


# --- list -------------------------------------------------------------------


def test_list_requires_a_token(client, document):
    assert client.get(URL).status_code == 401


def test_list_returns_items_and_a_cursor(
    api_client, member, hanoi_team, report_type, issuer
):
    for n in range(3):
        DocumentFactory(
            body=hanoi_team,
            doc_type=report_type,
            issuer=issuer,
            issued_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
        )
    client = api_client(member)
    first = client.get(URL, {"limit": 2}).json()
    assert [d["issued_on"] for d in first["items"]] == ["2025-01-03", "2025-01-02"]
    assert first["items"][0]["doc_type"]["key"] == report_type.key
    assert first["items"][0]["issuer"] == {"id": issuer.pk, "name": issuer.name}
    assert first["next_cursor"]
    second = client.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [d["issued_on"] for d in second["items"]] == ["2025-01-01"]
    assert second["next_cursor"] is None


def test_list_filters(api_client, member, document, hanoi_team, report_type, issuer):
    DocumentFactory(
        body=hanoi_team,
        doc_type=report_type,
        issuer=issuer,
        number="3",
        issued_on=datetime.date(2024, 5, 6),
        direction="in",
        summary="Giấy mời họp",
    )
    client = api_client(member)

    def numbers(**params):
        return [d["number"] for d in client.get(URL, params).json()["items"]]

    assert numbers(search="12/BC-TĐP") == ["12"]
    assert numbers(search="giay moi") == ["3"]
    assert numbers(on="2024-05-06") == ["3"]
    assert numbers(date_from="2025-01-01") == ["12"]
    assert numbers(direction="in") == ["3"]
    assert numbers(doc_type=report_type.key, body_id=hanoi_team.pk) == ["12", "3"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"on": "2025-02-30"}, "on"),
        ({"limit": 0}, "limit"),
        ({"doc_type": "no-such-type"}, "doc_type"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_list_rejects_bad_filters(params, field, api_client, member, document):
    response = api_client(member).get(URL, params)
    assert response.status_code == 422
    assert field in error_fields(response)


def test_list_is_empty_for_an_outsider(api_client, outsider, document):
    response = api_client(outsider).get(URL)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_fixed(
    rows, api_client, member, hanoi_team, report_type, issuer, django_assert_num_queries
):
    DocumentFactory.create_batch(
        rows, body=hanoi_team, doc_type=report_type, issuer=issuer
    )
    client = api_client(member)
    # token (plus its last-used touch), roles, page
    with django_assert_num_queries(4):
        response = client.get(URL, {"limit": 50})
    assert len(response.json()["items"]) == rows


# --- get --------------------------------------------------------------------


def test_get_returns_the_document(api_client, member, document):
    data = api_client(member).get(f"{URL}/{document.pk}").json()
    assert data["reference"] == "12/BC-TĐP"
    assert data["version"] == 1


@pytest.mark.parametrize("role", ["outsider", "external"])
def test_get_is_404_for_others(role, request, api_client, document):
    response = api_client(request.getfixturevalue(role)).get(f"{URL}/{document.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- create -----------------------------------------------------------------


def test_create_registers_the_document(
    api_client, secretariat, hanoi_team, report_type, issuer
):
    response = post(api_client(secretariat), payload(hanoi_team, report_type, issuer))
    assert response.status_code == 201
    data = response.json()
    assert data["reference"] == "15/BC-TĐP"
    assert data["body"]["id"] == hanoi_team.pk
    assert Document.objects.get().created_by == secretariat
    assert AuditEvent.objects.filter(action="docs.register").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issuer_id": 999_999}, "issuer_id"),
        ({"doc_type": "no-such-type"}, "doc_type"),
        ({"issued_on": "2025-02-30"}, "issued_on"),
        ({"issued_on": "05/03/2025"}, "issued_on"),
        ({"issued_on": "2999-01-01"}, "issued_on"),
        ({"summary": "x" * 10_000}, "summary"),
        ({"summary": ""}, "summary"),
        ({"number": "12a"}, "number"),
        ({"symbol": ""}, "symbol"),
        ({"direction": "sideways"}, "direction"),
        ({"body_id": 999_999}, "body_id"),
        ({"number": None}, "number"),
    ],
)
def test_create_rejects_bad_input_with_field_and_reason(
    overrides, field, api_client, secretariat, hanoi_team, report_type, issuer, media
):
    response = post(
        api_client(secretariat), payload(hanoi_team, report_type, issuer, **overrides)
    )
    assert response.status_code == 422
    errors = error_fields(response)
    assert field in errors
    assert errors[field]
    assert_nothing_written(media)
    assert not AuditEvent.objects.exists()


def test_create_rejects_an_issuer_that_did_not_exist_on_the_date(
    api_client, secretariat, hanoi_team, report_type, old_dpi, media
):
    response = post(
        api_client(secretariat),
        payload(hanoi_team, report_type, old_dpi, issued_on="2025-03-01"),
    )
    assert response.status_code == 422
    assert "issuer_id" in error_fields(response)
    assert_nothing_written(media)


def test_create_rejects_malformed_json(api_client, secretariat, media):
    response = api_client(secretariat).post(
        URL, "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert_nothing_written(media)


@pytest.mark.parametrize(
    "role", ["member", "leadership_viewer", "outsider", "external"]
)
def test_create_is_403_without_the_right_to_add(
    role, request, api_client, hanoi_team, report_type, issuer, media
):
    response = post(
        api_client(request.getfixturevalue(role)),
        payload(hanoi_team, report_type, issuer),
    )
    assert response.status_code == 403
    assert_nothing_written(media)


# --- patch ------------------------------------------------------------------


def test_patch_changes_fields_with_the_current_version(
    api_client, secretariat, document
):
    response = patch(
        api_client(secretariat), document.pk, {"version": 1, "summary": "Đã sửa"}
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["summary"] == "Đã sửa"
    event = AuditEvent.objects.get(action="docs.update")
    assert event.changes["summary"]["after"] == "Đã sửa"


def test_patch_with_a_stale_version_is_409(api_client, secretariat, document):
    client = api_client(secretariat)
    patch(client, document.pk, {"version": 1, "summary": "Lần một"})
    response = patch(client, document.pk, {"version": 1, "summary": "Lần hai"})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    document.refresh_from_db()
    assert document.summary == "Lần một"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"issuer_id": 999_999}, "issuer_id"),
        ({"summary": "x" * 10_000}, "summary"),
        ({"issued_on": "2025-13-01"}, "issued_on"),
        ({"summary": None}, "summary"),
        ({}, "version"),
    ],
)
def test_patch_rejects_bad_input(data, field, api_client, secretariat, document):
    body = {"version": 1, **data} if field != "version" else data
    response = patch(api_client(secretariat), document.pk, body)
    assert response.status_code == 422
    assert field in error_fields(response)
    document.refresh_from_db()
    assert document.version == 1


@pytest.mark.parametrize(
    ("role", "status"), [("member", 403), ("outsider", 404), ("external", 404)]
)
def test_patch_is_refused(role, status, request, api_client, document):
    response = patch(
        api_client(request.getfixturevalue(role)),
        document.pk,
        {"version": 1, "summary": "x"},
    )
    assert response.status_code == status
    document.refresh_from_db()
    assert document.version == 1


def test_nul_characters_never_reach_the_database(
    api_client, secretariat, hanoi_team, report_type, issuer
):
    # Refused at the edge (dieuphoi.core.params.BadInputMiddleware, issue 12).
    client = api_client(secretariat)
    assert client.get(URL, {"search": "a\x00b"}).status_code == 422
    assert client.get(URL, {"doc_type": "\x00"}).status_code == 422
    bad_type = post(client, payload(hanoi_team, report_type, issuer, doc_type="x\x00"))
    assert bad_type.status_code == 422
    response = post(
        client,
        payload(
            hanoi_team, report_type, issuer, summary="Trích\x00 yếu", signer="A\x00"
        ),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"summary", "signer"}
    assert not Document.objects.filter(summary__startswith="Trích").exists()


def test_out_of_range_ids_are_404_or_422(
    api_client, secretariat, hanoi_team, report_type, issuer
):
    client = api_client(secretariat)
    huge = 2**70
    assert client.get(f"{URL}/{huge}").status_code in (404, 422)
    response = post(client, payload(hanoi_team, report_type, issuer, issuer_id=2**62))
    assert response.status_code == 422
