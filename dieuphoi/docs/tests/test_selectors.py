import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.docs import selectors
from dieuphoi.docs.models import Document
from dieuphoi.org.permissions import clear_role_cache

from .factories import DocumentFactory, quyet_dinh_type


@pytest.fixture
def register(hanoi_team, report_type, issuer):
    qd = quyet_dinh_type()
    return {
        "decision": DocumentFactory(
            body=hanoi_team,
            doc_type=qd,
            issuer=issuer,
            number="986",
            symbol="QĐ-TTg",
            issued_on=datetime.date(2022, 8, 22),
            summary="Kiện toàn Hội đồng điều phối vùng Thủ đô",
            direction=Document.Direction.INCOMING,
        ),
        "normative": DocumentFactory(
            body=hanoi_team,
            doc_type=qd,
            issuer=issuer,
            number="24",
            symbol="2025/QĐ-UBND",
            issued_on=datetime.date(2025, 4, 2),
            summary="Quy định phân cấp quản lý đầu tư công",
            direction=Document.Direction.INCOMING,
        ),
        "report": DocumentFactory(
            body=hanoi_team,
            doc_type=report_type,
            issuer=issuer,
            number="12",
            symbol="BC-TĐP",
            issued_on=datetime.date(2025, 3, 5),
            summary="Đầu tư hạ tầng giao thông kết nối vùng",
            direction=Document.Direction.OUTGOING,
        ),
    }


def refs(page) -> list[str]:
    return [d.reference for d in page.items]


def test_list_is_newest_first(leader, register):
    assert refs(selectors.document_list(user=leader)) == [
        "24/2025/QĐ-UBND",
        "12/BC-TĐP",
        "986/QĐ-TTg",
    ]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("986", ["986/QĐ-TTg"]),
        ("986/QĐ-TTg", ["986/QĐ-TTg"]),
        ("986/qđ-ttg", ["986/QĐ-TTg"]),
        ("QĐ-UBND", ["24/2025/QĐ-UBND"]),
        ("24/2025/QĐ-UBND", ["24/2025/QĐ-UBND"]),
        ("BC-TĐP", ["12/BC-TĐP"]),
        ("đầu tư", ["24/2025/QĐ-UBND", "12/BC-TĐP"]),
        ("ĐẦU TƯ", ["24/2025/QĐ-UBND", "12/BC-TĐP"]),
        ("dau tu", ["24/2025/QĐ-UBND", "12/BC-TĐP"]),
        ("Hội đồng điều phối", ["986/QĐ-TTg"]),
        ("  hội   đồng  ", ["986/QĐ-TTg"]),
        ("hỗi đồng", []),  # other diacritics: another word
        ("100%", []),
        ("vùng_", []),
    ],
)
def test_search_matches_number_symbol_reference_and_summary(
    leader, register, search, expected
):
    assert refs(selectors.document_list(user=leader, search=search)) == expected


def test_filters_combine(leader, register, report_type):
    assert refs(selectors.document_list(user=leader, doc_type=report_type)) == [
        "12/BC-TĐP"
    ]
    assert refs(selectors.document_list(user=leader, direction="in")) == [
        "24/2025/QĐ-UBND",
        "986/QĐ-TTg",
    ]
    assert refs(
        selectors.document_list(
            user=leader,
            date_from=datetime.date(2025, 1, 1),
            date_to=datetime.date(2025, 3, 31),
        )
    ) == ["12/BC-TĐP"]


def test_keyset_pages_cover_every_row_once(leader, hanoi_team, report_type, issuer):
    day = datetime.date(2025, 1, 1)
    for n in range(7):
        # Pairs share a date, so the id breaks ties.
        DocumentFactory(
            body=hanoi_team,
            doc_type=report_type,
            issuer=issuer,
            issued_on=day + datetime.timedelta(days=n // 2),
        )
    seen, after = [], None
    for _ in range(10):
        page = selectors.document_list(user=leader, after=after, limit=3)
        seen.extend(d.pk for d in page.items)
        after = page.next_cursor
        if after is None:
            break
    expected = list(
        Document.objects.order_by("-issued_on", "-id").values_list("pk", flat=True)
    )
    assert seen == expected


def test_a_forged_cursor_is_a_field_error(leader, register):
    with pytest.raises(ValidationError) as excinfo:
        selectors.document_list(user=leader, after="not-a-cursor")
    assert "after" in excinfo.value.message_dict


def test_outsider_sees_no_documents(outsider, register):
    assert selectors.document_list(user=outsider).items == []


def test_external_sees_only_their_own_bodys_register(
    external, register, other_document
):
    assert [d.pk for d in selectors.document_list(user=external).items] == [
        other_document.pk
    ]
    assert selectors.document_get(user=external, pk=register["report"].pk) is None


def test_leadership_and_admin_see_every_register(
    leadership_viewer, admin_user, register, other_document
):
    for user in (leadership_viewer, admin_user):
        assert len(selectors.document_list(user=user).items) == 4


def test_filtering_by_an_invisible_body_shows_nothing(
    member, register, other_team, other_document
):
    assert selectors.document_list(user=member, body=other_team).items == []


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow_with_rows(
    rows, leader, hanoi_team, report_type, issuer, django_assert_num_queries
):
    DocumentFactory.create_batch(
        rows, body=hanoi_team, doc_type=report_type, issuer=issuer
    )
    clear_role_cache(leader)
    with django_assert_num_queries(2):  # the user's roles, then the page
        page = selectors.document_list(user=leader, search="vùng")
        for document in page.items:
            assert (
                document.body.name and document.doc_type.name and document.issuer.name
            )
    assert len(page.items) == rows
