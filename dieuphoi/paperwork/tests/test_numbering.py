"""The register's numbers: one sequence per register and year, numbers typed
into the register by hand skipped, never a duplicate nor a gap when clerks
take numbers at the same moment (threads, on both databases)."""

import datetime
import threading

import pytest
from django.db import connections, transaction

from dieuphoi.docs.tests.factories import DocumentFactory, cong_van_type
from dieuphoi.paperwork.models import NumberingRegister, PaperKind, RegisterCounter
from dieuphoi.paperwork.seed import seed_kinds
from dieuphoi.paperwork.services import number_allocate, register_for


@pytest.mark.django_db
def test_numbers_increase_per_register_and_year(hanoi_team, other_team):
    outgoing = NumberingRegister.objects.create(body=hanoi_team, name="Sổ văn bản đi")
    decisions = NumberingRegister.objects.create(body=hanoi_team, name="Sổ quyết định")
    theirs = NumberingRegister.objects.create(body=other_team, name="Sổ văn bản đi")

    def next_number(register=outgoing, year=2026):
        return number_allocate(register=register, year=year)

    assert [next_number() for _ in range(3)] == [1, 2, 3]
    assert next_number(register=decisions) == 1
    assert next_number(year=2027) == 1
    assert next_number(register=theirs) == 1
    assert next_number() == 4
    assert sorted(
        RegisterCounter.objects.values_list("register__name", "year", "last_number")
    ) == [
        ("Sổ quyết định", 2026, 1),
        ("Sổ văn bản đi", 2026, 1),
        ("Sổ văn bản đi", 2026, 4),
        ("Sổ văn bản đi", 2027, 1),
    ]


@pytest.mark.django_db
def test_a_kind_is_numbered_by_the_register_that_takes_it(hanoi_team):
    kinds = {kind.key: kind for kind in seed_kinds()}
    general = NumberingRegister.objects.create(body=hanoi_team, name="Sổ văn bản đi")
    decisions = NumberingRegister.objects.create(body=hanoi_team, name="Sổ quyết định")
    decisions.kinds.add(kinds["quyet-dinh"])
    assert register_for(hanoi_team, kinds["quyet-dinh"]) == decisions
    assert register_for(hanoi_team, kinds["cong-van"]) == general
    assert register_for(hanoi_team, PaperKind.objects.get(key="bao-cao")) == general


@pytest.mark.django_db
def test_numbers_entered_by_hand_are_skipped(hanoi_team, standing_agency):
    register = NumberingRegister.objects.create(body=hanoi_team, name="Sổ văn bản đi")
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
    assert number_allocate(register=register, year=2026) == 3
    assert RegisterCounter.objects.get().last_number == 3
    # Another year's numbers are not in the way.
    assert number_allocate(register=register, year=2027) == 1


@pytest.mark.django_db
def test_a_number_taken_in_a_transaction_that_rolls_back_is_given_again(hanoi_team):
    register = NumberingRegister.objects.create(body=hanoi_team, name="Sổ văn bản đi")
    assert number_allocate(register=register, year=2026) == 1

    class LayoutFailed(Exception):
        pass

    with pytest.raises(LayoutFailed), transaction.atomic():
        assert number_allocate(register=register, year=2026) == 2
        raise LayoutFailed
    assert number_allocate(register=register, year=2026) == 2


def in_thread(func, bind):
    """``func()`` run on a thread's own connection (the threads' database)."""
    out: list = []

    def run():
        bind()
        try:
            out.append(func())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0]


def test_concurrent_allocations_never_share_a_number_nor_leave_a_gap(
    hanoi_team, thread_db
):
    """Four clerks take ten numbers each at the same moment: PostgreSQL's
    row lock on the counter, SQLite's single writer (IMMEDIATE)."""
    register = NumberingRegister.objects.create(body=hanoi_team, name="Sổ văn bản đi")
    bind = thread_db()
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)
    lock = threading.Lock()

    def clerk():
        bind()
        try:
            barrier.wait()
            for _ in range(10):
                # Each number in its own transaction, as an issue takes it.
                with transaction.atomic():
                    number = number_allocate(register=register, year=2026)
                with lock:
                    results.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last = in_thread(
        lambda: RegisterCounter.objects.get(register=register, year=2026).last_number,
        bind,
    )
    assert errors == []
    assert len(results) == 40
    # No duplicate and no gap.
    assert sorted(results) == list(range(1, 41))
    assert last == 40
