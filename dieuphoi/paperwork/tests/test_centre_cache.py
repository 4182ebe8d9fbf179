"""The notification centre keeps a person's answer on a paper
(``registry.visible_to``) under the ``paperwork`` stamp: a paper issued, or
delivered to someone, is shown to them at once."""

import pytest
from django.contrib.contenttypes.models import ContentType

from dieuphoi.core.models import local_today
from dieuphoi.notifications.models import Notification
from dieuphoi.notifications.tests.test_centre_cache import (  # noqa: F401
    centre_caches_on,  # autouse: the centre's caches on, emptied
    fresh,
    listed,
    settle,
)
from dieuphoi.paperwork.models import PaperDelivery, PaperRecipient

pytestmark = pytest.mark.django_db


def told(user, paper, key):
    # Written directly: sending skips whoever may not see the paper yet.
    return Notification.objects.create(
        recipient=user,
        kind="paper_issued",
        target_type=ContentType.objects.get_for_model(paper),
        target_id=paper.pk,
        title=f"Tin {key}",
        url="/",
        day=local_today(),
        key=f"test:{key}",
    )


@pytest.fixture
def draft(make_paper, secretariat, leader, commit):
    paper = make_paper(secretariat, signer=leader)
    settle(commit)
    return paper


def test_a_paper_issued_is_shown_to_the_body_at_once(draft, member, commit):
    told(member, draft, "a")
    assert listed(member) == []  # a draft: its drafters and signer only
    assert listed(member) == []
    with commit():  # as issuing does (number given in a save)
        draft.number = 7
        draft.save(update_fields=["number"])
    assert listed(member) == ["Tin a"] == fresh(member)


def test_a_delivery_shows_the_paper_to_its_person(draft, outsider, commit):
    told(outsider, draft, "b")
    assert listed(outsider) == []
    with commit():
        recipient = PaperRecipient.objects.create(paper=draft, text="Báo chí")
        PaperDelivery.objects.create(paper=draft, recipient=recipient, person=outsider)
    assert listed(outsider) == ["Tin b"] == fresh(outsider)
