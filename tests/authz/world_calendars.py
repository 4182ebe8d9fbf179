"""The objects of the authorization world for calendars (see ``conftest.py``)."""

from __future__ import annotations


def build(w, **ctx) -> dict:
    """``{reference: id}`` for ``matrix_calendars.py``'s rows. ``ctx``: hanoi,
    bac_ninh, third (a third province's team), third_agency, third_person,
    sxd (the member's agency), today, secretariat, admin, proposal,
    key_project, task (a Hanoi task of the team).

    ``feed.own``: the member's personal feed; ``feedsecret.own`` its secret
    (a string: the feed URL takes it); ``feedsecret.revoked``: the secret of
    a feed the member revoked; ``feedsecret.seat_ended``: the secret of the
    third team's feed made by one of its members, whose seat then ended."""
    import datetime

    from dieuphoi.calendars import services
    from dieuphoi.org.models import Membership
    from dieuphoi.org.tests.factories import MembershipFactory, UserFactory

    member = w.users["member"]
    feed, raw = services.feed_create(actor=member, name="authz")
    revoked, revoked_raw = services.feed_create(actor=member, name="revoked")
    services.feed_revoke(actor=member, feed=revoked)
    third = ctx["third"]
    person = UserFactory(username="authz-calendar-feed")
    MembershipFactory(
        person=person,
        body=third,
        agency=ctx["third_agency"],
        valid_from=ctx["today"] - datetime.timedelta(days=30),
    )
    _, ended_raw = services.feed_create(actor=person, body=third, name="ended")
    Membership.objects.filter(person=person, body=third).update(
        valid_to=ctx["today"] - datetime.timedelta(days=1)
    )
    return {
        "feed.own": feed.pk,
        "feedsecret.own": raw,
        "feedsecret.revoked": revoked_raw,
        "feedsecret.seat_ended": ended_raw,
    }
