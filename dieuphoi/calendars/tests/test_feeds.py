"""ICS feeds: tokens, the feed endpoint, RFC 5545 validity."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from icalendar import Calendar

from dieuphoi.accounts.models import hash_token
from dieuphoi.audit.models import AuditEvent
from dieuphoi.calendars import services, sources
from dieuphoi.calendars.models import FeedToken
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.tasks import services as task_services

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def feed_path(raw):
    return reverse("calendars:feed", args=[raw])


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def vevents(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


# --- services ----------------------------------------------------------------------


def test_create_keeps_only_the_hash_and_audits(member):
    writes = AuditEvent.objects.writes().count()
    feed, raw = services.feed_create(actor=member, name="Outlook")
    assert feed.key_hash == hash_token(raw) and raw not in feed.key_hash
    assert feed.prefix == raw[: FeedToken.PREFIX_LEN]
    event = AuditEvent.objects.get(action="calendars.feed_create")
    assert raw not in str(event.changes)
    assert AuditEvent.objects.writes().count() == writes + 1


def test_a_body_feed_needs_a_seat_in_the_body(member, other_team, hanoi_team):
    services.feed_create(actor=member, body=hanoi_team)
    writes = AuditEvent.objects.writes().count()
    with pytest.raises(PermissionDenied):
        services.feed_create(actor=member, body=other_team)
    assert not FeedToken.objects.filter(body=other_team).exists()
    assert AuditEvent.objects.writes().count() == writes


def test_a_name_too_long_is_refused(member):
    with pytest.raises(ValidationError) as exc:
        services.feed_create(actor=member, name="x" * 101)
    assert "name" in exc.value.message_dict
    assert not FeedToken.objects.exists()


def test_only_the_owner_revokes(member, leader):
    feed, _ = services.feed_create(actor=member)
    with pytest.raises(PermissionDenied):
        services.feed_revoke(actor=leader, feed=feed)
    services.feed_revoke(actor=member, feed=feed)
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert AuditEvent.objects.filter(action="calendars.feed_revoke").count() == 1


# --- the endpoint ------------------------------------------------------------------------


def test_feed_is_valid_rfc5545(client, member, tasks, consultation, milestones):
    _, raw = services.feed_create(actor=member)
    response = client.get(feed_path(raw))  # no login
    cal = parse(response)
    assert str(cal["VERSION"]) == "2.0"
    assert cal["PRODID"]
    assert str(cal["METHOD"]) == "PUBLISH"
    events = vevents(cal)
    assert events
    for event in events.values():
        for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert prop in event, prop
        stamp = event.decoded("DTSTAMP")
        assert stamp.utcoffset() == datetime.timedelta(0)
        start = event.decoded("DTSTART")
        if isinstance(start, datetime.datetime):
            assert start.utcoffset() == datetime.timedelta(0)
    task = tasks["own"][0]
    event = events[sources.event_uid(f"task-{task.pk}-deadline")]
    start = event.decoded("DTSTART")
    assert type(start) is datetime.date and start == task.deadline
    assert event.decoded("DTEND") == task.deadline + DAY
    assert f"/tasks/{task.pk}/" in str(event["URL"])
    assert sources.event_uid(f"round-{consultation.pk}-deadline") in events
    assert sources.event_uid(f"milestone-{milestones['ahead'].pk}") in events
    # Done things are not in the feed.
    assert sources.event_uid(f"task-{tasks['done'].pk}-deadline") not in events
    assert sources.event_uid(f"milestone-{milestones['done'].pk}") not in events


def test_feed_uses_the_owner_permissions(client, external, outsider, tasks):
    _, raw = services.feed_create(actor=external)
    events = vevents(parse(client.get(feed_path(raw))))
    assert set(events) == {sources.event_uid(f"task-{tasks['shared'].pk}-deadline")}
    _, raw = services.feed_create(actor=outsider)
    assert vevents(parse(client.get(feed_path(raw)))) == {}


def test_feed_uid_stays_and_sequence_rises_when_the_deadline_moves(
    client, member, secretariat, tasks
):
    _, raw = services.feed_create(actor=member)
    task = tasks["own"][0]
    uid = sources.event_uid(f"task-{task.pk}-deadline")
    before = vevents(parse(client.get(feed_path(raw))))[uid]
    task.refresh_from_db()
    task_services.task_transition(
        actor=secretariat,
        task=task,
        action="change_deadline",
        reason="Lùi hạn theo chỉ đạo",
        new_deadline=task.deadline + 10 * DAY,
    )
    after = vevents(parse(client.get(feed_path(raw))))[uid]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == before.decoded("DTSTART") + 10 * DAY


def test_revoked_and_regenerated_secrets(client, member, tasks):
    feed, old = services.feed_create(actor=member, name="Điện thoại")
    assert client.get(feed_path(old)).status_code == 200
    new_feed, new = services.feed_regenerate(actor=member, feed=feed)
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    assert new_feed.name == "Điện thoại"
    services.feed_revoke(actor=member, feed=new_feed)
    assert client.get(feed_path(new)).status_code == 404


@pytest.mark.parametrize("secret", ["nope", "x" * 300, "%00abc"])
def test_unknown_or_malformed_secret_is_404(client, secret):
    response = client.get(f"/calendar/feeds/{secret}.ics")
    assert response.status_code in (400, 404)


def test_body_feed_stops_when_the_seat_ends(client, member, hanoi_team, tasks):
    _, raw = services.feed_create(actor=member, body=hanoi_team)
    events = vevents(parse(client.get(feed_path(raw))))
    assert sources.event_uid(f"task-{tasks['shared'].pk}-deadline") in events
    Membership.objects.filter(person=member).update(valid_to=local_today() - DAY)
    assert client.get(feed_path(raw)).status_code == 404


def test_body_feed_holds_only_that_body(client, member, hanoi_team, other_team, tasks):
    from dieuphoi.org.tests.factories import MembershipFactory
    from dieuphoi.tasks.tests.factories import TaskFactory

    MembershipFactory(person=member, body=other_team, agency=None)
    theirs = TaskFactory(
        body=other_team,
        lead_agency=tasks["shared"].lead_agency,
        assigned_on=local_today() - 5 * DAY,
        deadline=local_today() + 5 * DAY,
    )
    _, raw = services.feed_create(actor=member, body=other_team)
    events = vevents(parse(client.get(feed_path(raw))))
    assert set(events) == {sources.event_uid(f"task-{theirs.pk}-deadline")}


def test_feed_records_last_use(client, member):
    feed, raw = services.feed_create(actor=member)
    client.get(feed_path(raw))
    feed.refresh_from_db()
    assert feed.last_used_at is not None


@pytest.mark.parametrize("n", [5, 50])
def test_feed_queries_do_not_grow(
    client, member, team, member_agency, n, django_assert_max_num_queries
):
    from .conftest import make_tasks

    make_tasks(team, member_agency, n)
    _, raw = services.feed_create(actor=member)
    with django_assert_max_num_queries(10):
        cal = parse(client.get(feed_path(raw)))
    assert len(cal.walk("VEVENT")) == n


# --- the feeds page --------------------------------------------------------------------


def test_feeds_page_creates_and_shows_the_url_once(login, member, hanoi_team):
    client = login(member)
    page = client.get(reverse("calendars:feeds"))
    assert page.status_code == 200
    assert f'value="{hanoi_team.pk}"' in page.content.decode()
    response = client.post(reverse("calendars:feed-create"), {"name": "Outlook"})
    assert response.status_code == 200
    body = response.content.decode()
    feed = FeedToken.objects.get(owner=member)
    url = response.context["new_url"]
    assert url.endswith(".ics") and url in body
    assert (
        "no-cache" in response["Cache-Control"]
        or "no-store" in response["Cache-Control"]
    )
    raw = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert hash_token(raw) == feed.key_hash
    # Not shown again.
    assert raw not in client.get(reverse("calendars:feeds")).content.decode()


def test_feeds_page_refuses_a_body_without_a_seat(login, member, other_team):
    writes = AuditEvent.objects.writes().count()
    response = login(member).post(
        reverse("calendars:feed-create"), {"body": other_team.pk}
    )
    assert response.status_code == 403
    assert not FeedToken.objects.exists()
    assert AuditEvent.objects.writes().count() == writes


def test_feeds_page_bad_body_is_a_clear_error(login, member):
    response = login(member).post(reverse("calendars:feed-create"), {"body": "abc"})
    assert response.status_code == 400
    assert 'id="feed-errors"' in response.content.decode()
    assert not FeedToken.objects.exists()


def test_revoke_and_regenerate_from_the_page(login, client, member, leader):
    feed, raw = services.feed_create(actor=member)
    # Someone else's feed: 404, nothing changes.
    other = login(leader)
    assert (
        other.post(reverse("calendars:feed-revoke", args=[feed.pk])).status_code == 404
    )
    assert (
        other.post(reverse("calendars:feed-regenerate", args=[feed.pk])).status_code
        == 404
    )
    feed.refresh_from_db()
    assert feed.revoked_at is None
    mine = login(member)
    response = mine.post(reverse("calendars:feed-regenerate", args=[feed.pk]))
    assert response.status_code == 200
    new_raw = response.context["new_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert mine.get(feed_path(raw)).status_code == 404
    new = FeedToken.objects.get(key_hash=hash_token(new_raw))
    response = mine.post(reverse("calendars:feed-revoke", args=[new.pk]))
    assert response.status_code == 302
    assert mine.get(feed_path(new_raw)).status_code == 404


def test_outsider_may_keep_a_personal_feed_that_is_empty(login, outsider):
    response = login(outsider).get(reverse("calendars:feeds"))
    assert response.status_code == 200
    assert response.context["bodies"] == []
