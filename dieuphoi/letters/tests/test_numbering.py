import threading

import pytest
from django.db import connection, connections

from dieuphoi.docs.tests.factories import (
    DocumentFactory,
    cong_van_type,
    quyet_dinh_type,
)
from dieuphoi.letters.models import DocumentCounter
from dieuphoi.letters.services import document_number_allocate


@pytest.mark.django_db
def test_numbers_increase_per_body_type_and_year(hanoi_team, other_team):
    cv, qd = cong_van_type(), quyet_dinh_type()

    def next_number(body=hanoi_team, doc_type=cv, year=2026):
        return document_number_allocate(
            body=body, doc_type=doc_type, year=year, symbol="TĐP"
        )

    assert [next_number() for _ in range(3)] == [1, 2, 3]
    assert next_number(doc_type=qd) == 1
    assert next_number(year=2027) == 1
    assert next_number(body=other_team) == 1
    assert next_number() == 4
    assert DocumentCounter.objects.count() == 4


@pytest.mark.django_db
def test_numbers_entered_by_hand_are_skipped(hanoi_team, standing_agency):
    import datetime

    cv = cong_van_type()
    for number in ("01", "2"):
        DocumentFactory(
            body=hanoi_team,
            doc_type=cv,
            number=number,
            symbol="TĐP",
            issuer=standing_agency,
            issued_on=datetime.date(2026, 1, 5),
        )
    assert (
        document_number_allocate(body=hanoi_team, doc_type=cv, year=2026, symbol="TĐP")
        == 3
    )
    assert DocumentCounter.objects.get().last_number == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_share_a_number(hanoi_team):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL; SQLite has one writer")
    cv = cong_van_type()
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                results.append(
                    document_number_allocate(
                        body=hanoi_team, doc_type=cv, year=2026, symbol="TĐP"
                    )
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(1, 41))
