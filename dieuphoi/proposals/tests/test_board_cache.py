"""The pipeline board, rendered once and cached for everyone who sees the
same proposals (``board.board_page``, ``cache.board_page``): a cached board
is what an uncached one shows, for each scope and language; nobody gets the
entry of a wider scope; every write the board shows is seen at once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dieuphoi.core import cache as stamps
from dieuphoi.core.models import local_today
from dieuphoi.proposals import board, selectors, services, urging
from dieuphoi.proposals.models import RoundParty

from .conftest import make_proposal

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def board_cache_on(settings):
    settings.PROPOSAL_BOARD_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def shown(user, query: str = "", on=None) -> str:
    filters, errors = selectors.parse_filters(QueryDict(query))
    assert not errors
    return board.board_page(user=user, filters=filters, on=on or local_today()).html


def uncached(user, query: str = "", on=None) -> str:
    with override_settings(PROPOSAL_BOARD_CACHE_SECONDS=0):
        return shown(user, query, on)


def cards(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="board-card-(\d+)"', html)]


def board_of(page: str) -> str:
    start = page.index('id="proposal-board"')
    return page[start : page.index("</main>", start)]


def card(html: str, pk: int) -> str:
    start = html.index(f'id="board-card-{pk}"')
    return html[start : html.index("</a>", start)]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    "who",
    [
        "secretariat",
        "member",
        "external",
        "leadership_viewer",
        "admin_user",
        "outsider",
    ],
)
def test_the_cached_board_is_the_uncached_one(
    request, consultation, proposal, who, language
):
    user = request.getfixturevalue(who)
    with translation.override(language):
        first = shown(user)
        assert shown(user) == first == uncached(user)
        filtered = shown(user, "state=consultation")
        assert filtered == uncached(user, "state=consultation")
    sees = who in ("secretariat", "member", "leadership_viewer", "admin_user")
    assert cards(first) == ([proposal.pk] if sees else [])
    assert cards(filtered) == ([proposal.pk] if sees else [])


def test_a_narrower_scope_never_gets_a_wider_entry(
    proposal, secretariat, external, outsider, admin_user
):
    assert cards(shown(admin_user)) == [proposal.pk]
    assert cards(shown(secretariat)) == [proposal.pk]
    # The Bắc Ninh member and an outsider see none of the Hanoi team's.
    assert cards(shown(external)) == []
    assert cards(shown(outsider)) == []


def test_the_page_shows_the_cached_columns_without_the_boards_queries(
    login, proposal, secretariat
):
    client = login(secretariat)
    path = reverse("proposals:board")
    first = client.get(path).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(path).content.decode()
    assert f'id="board-card-{proposal.pk}"' in again
    assert board_of(again) == board_of(first)
    read = [q["sql"] for q in ctx.captured_queries if "proposals_proposal" in q["sql"]]
    assert read == []
    # Bad filters: the message, no board (nothing cached under them).
    bad = client.get(path, {"state": "nope"}).content.decode()
    assert 'id="proposal-filter-errors"' in bad
    assert 'id="proposal-board"' not in bad


@pytest.mark.usefixtures("english")
def test_every_write_the_board_shows_is_seen_at_once(
    commit, team, secretariat, admin_user, member_agency, draft, proposal
):
    today = local_today()
    with commit():  # the set-up's writes: their stamp hooks run now
        pass
    assert cards(shown(secretariat)) == [proposal.pk]
    # A new proposal.
    with commit():
        other = make_proposal(team, secretariat, member_agency, title="Đề án hai")
    assert sorted(cards(shown(secretariat))) == sorted([proposal.pk, other.pk])
    # Its title changed.
    with commit():
        services.proposal_update(
            actor=secretariat, proposal=other, version=other.version, title="Đề án mới"
        )
    assert "Đề án mới" in card(shown(secretariat), other.pk)
    # A round opened: the card says so.
    with commit():
        consultation = services.round_open(
            actor=secretariat,
            proposal=proposal,
            draft=draft,
            parties=[member_agency],
            working_days=5,
        )
    assert "1 round open" in card(shown(secretariat), proposal.pk)
    # Past its deadline the unanswered party is overdue (the date is in the key).
    after = consultation.deadline + DAY
    overdue = shown(secretariat, on=after)
    assert overdue == uncached(secretariat, on=after)
    assert "1 answer overdue" in card(overdue, proposal.pk)
    # The party answered: nothing overdue any more.
    with commit():
        services.answer_submit(
            actor=admin_user, party=consultation.parties.get(), answer="agree", on=today
        )
    assert "overdue" not in card(shown(secretariat, on=after), proposal.pk)
    # The lead agency renamed (a registry write).
    with commit():
        member_agency.name = "Sở Xây dựng Hà Nội (mới)"
        member_agency.save()
    assert "Sở Xây dựng Hà Nội (mới)" in card(shown(secretariat), proposal.pk)
    assert shown(secretariat) == uncached(secretariat)


@pytest.mark.usefixtures("english")
def test_closing_a_round_is_seen_at_once(commit, secretariat, consultation, proposal):
    with commit():
        pass
    assert "1 round open" in card(shown(secretariat), proposal.pk)
    with commit():
        services.round_close(actor=secretariat, consultation=consultation)
    assert "round open" not in card(shown(secretariat), proposal.pk)


def test_queryset_writes_of_parties_bump_the_stamp(commit, consultation):
    party = consultation.parties.first()
    with commit():
        pass
    before = stamps.read(stamps.PROPOSALS)
    with commit():
        urging.round_parties_counted({party.pk: 2}, local_today())
    assert stamps.read(stamps.PROPOSALS) != before
    assert RoundParty.objects.get(pk=party.pk).urge_count == 2
