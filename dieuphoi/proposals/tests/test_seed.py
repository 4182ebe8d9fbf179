"""The proposals' demo data on the full demo seed: a submitted scheme after a
closed round (an answer from another province's team, a silence recorded),
a plan with an open round, a proposal with two drafts; once."""

import pytest

from dieuphoi.org.tests.test_seed import run_seed_demo
from dieuphoi.proposals import seed, selectors
from dieuphoi.proposals.models import Proposal, RoundComment

pytestmark = pytest.mark.django_db


def test_demo_proposals_cover_the_pipeline_once():
    run_seed_demo()
    states = dict(Proposal.objects.values_list("title", "state"))
    assert states == {
        seed.TRANSPORT: Proposal.State.SUBMITTED,
        seed.RIVERS: Proposal.State.CONSULTATION,
        seed.AIRPORT: Proposal.State.DRAFT,
    }
    transport = Proposal.objects.get(title=seed.TRANSPORT)
    (closed,) = transport.rounds.all()
    stats = selectors.round_stats(closed)
    assert (stats.asked, stats.answered, stats.silent) == (3, 2, 1)
    answers = {p.name: p.answer for p in closed.parties.all()}
    assert answers["Tổ điều phối vùng tỉnh Bắc Ninh"] == "agree_comments"
    # Every comment of the closed round has the lead agency's response.
    comments = RoundComment.objects.filter(party__round=closed)
    assert comments.count() == 3 and not comments.filter(response="").exists()
    # The Tờ trình was drafted by the documents engine.
    assert transport.steps.get(action="submit").paper is not None
    rivers = Proposal.objects.get(title=seed.RIVERS)
    assert rivers.rounds.get().state == "open"
    assert Proposal.objects.get(title=seed.AIRPORT).drafts.count() == 2
    # Plainly fictional: each title says it is demo data; no budget stated.
    assert all("(dữ liệu mẫu)" in title for title in states)
    assert all(p.budget_total is None for p in Proposal.objects.all())

    seed.seed_all()
    assert Proposal.objects.count() == 3
