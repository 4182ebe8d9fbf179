"""Free text on PostgreSQL: a needle with no word of three characters goes
to the scan (pg_trgm's padded trigrams would match most of the table and
re-check it), with the same results as the indexed path."""

from __future__ import annotations

import pytest
from django.db import connection

from dieuphoi.tasks import search
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("needle", "selective"),
    [("a_b", False), ("hn", False), ("a b c", False), ("vanh dai 4", True),
     ("nv-2023-0042", True), ("100%", True), ("ab_", False)],
)  # fmt: skip
def test_which_needles_the_trigram_index_narrows(needle, selective):
    assert search.trigram_selective(needle) is selective


def test_short_words_scan_and_match_the_same(hanoi_team, member_agency):
    titles = ["Rà soát a_b cấp xã", "Kiểm tra ab", "Đề án a b", "Không liên quan"]
    for title in titles:
        TaskFactory(body=hanoi_team, lead_agency=member_agency, title=title)
    for needle in ("a_b", "ab", "a b", "khong lien"):
        q = search.search_text_q(needle)
        found = set(Task.objects.filter(q).values_list("title", flat=True))
        expected = {
            title
            for title, text in Task.objects.values_list("title", "search_text")
            if needle in text
        }
        assert found == expected and found, needle
        sql = str(Task.objects.filter(q).query)
        if connection.vendor == "postgresql":
            # The bare column is what the GIN index covers; the scan's
            # expression is not it.
            assert ("||" in sql or "CONCAT" in sql.upper()) is (
                not search.trigram_selective(needle)
            )
