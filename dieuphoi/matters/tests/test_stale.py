"""Stale matters: working days in Python and in SQL agree; the owner is
reminded by the ladder once per rung; a closed matter or a new entry stops it."""

import datetime

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.matters import selectors, services, stale, urging
from dieuphoi.matters.models import LogEntry, Matter
from dieuphoi.notifications.models import Notification
from dieuphoi.reminders import obligations
from dieuphoi.workdays.calendar import add_working_days, working_days_between

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 11, 30)


@pytest.mark.parametrize("n", [1, 3, 10])
def test_python_and_sql_agree(ring, settings, n):
    settings.MATTER_STALE_WORKING_DAYS = n
    for back in range(0, 25):
        last = MONDAY - datetime.timedelta(days=back)
        Matter.objects.filter(pk=ring.pk).update(last_logged_on=last)
        ring.refresh_from_db()
        expected = working_days_between(last, MONDAY) >= n
        assert stale.is_stale(ring, MONDAY) is expected, (last, n)
        in_sql = Matter.objects.filter(stale.stale_q(MONDAY), pk=ring.pk).exists()
        assert in_sql is expected, (last, n)


def test_weekend_counts_nothing(ring, settings):
    settings.MATTER_STALE_WORKING_DAYS = 1
    saturday = MONDAY - datetime.timedelta(days=2)
    Matter.objects.filter(pk=ring.pk).update(last_logged_on=saturday)
    ring.refresh_from_db()
    assert not stale.is_stale(ring, saturday + datetime.timedelta(days=1))
    assert stale.is_stale(ring, MONDAY)
    assert stale.stale_due(ring) == MONDAY


def test_closed_is_never_stale(ring, leader):
    Matter.objects.filter(pk=ring.pk).update(last_logged_on=datetime.date(2025, 8, 1))
    ring.refresh_from_db()
    assert stale.is_stale(ring)
    services.transition(actor=leader, matter=ring, action="resolve", resolution="Xong")
    ring.refresh_from_db()
    assert not stale.is_stale(ring)
    assert not Matter.objects.filter(stale.stale_q()).exists()


def test_list_filter_and_badge(login, secretariat, ring, nhue):
    Matter.objects.filter(pk=nhue.pk).update(last_logged_on=local_today())
    page = selectors.matter_list(
        user=secretariat, filters=selectors.MatterFilters(stale=True)
    )
    # ring: raised in 2025, nothing logged since; nhue: logged today.
    assert [m.pk for m in page.items] == [ring.pk]
    assert page.items[0].stale
    counts = selectors.matter_counts(
        user=secretariat, filters=selectors.MatterFilters()
    )
    assert counts.stale == 1
    html = login(secretariat).get("/matters/?stale=1").content.decode()
    assert "matter-stale" in html and nhue.title not in html


@pytest.fixture
def ladder_settings(settings):
    settings.REMINDER_BEFORE_DAYS = (1,)
    settings.URGING_EVERY_WORKING_DAYS = 2
    settings.ESCALATE_AFTER_URGINGS = 2
    settings.MATTER_STALE_WORKING_DAYS = 10
    return settings


def test_owner_reminded_once(ladder_settings, ring, specialist, leader):
    day = local_today()
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    Matter.objects.filter(pk=ring.pk).update(last_logged_on=add_working_days(day, -30))
    first = obligations.run_day(day)
    assert first.by_source.get(urging.SOURCE) == 1
    sent = Notification.objects.filter(recipient=specialist, kind="obligation_urging")
    assert sent.count() == 1
    assert ring.code in sent.get().title
    again = obligations.run_day(day)
    assert again.by_source.get(urging.SOURCE) is None
    assert sent.count() == 1
    ring.refresh_from_db()
    assert ring.urge_count == 1
    # A new entry resets the count and moves the deadline: nothing due today.
    services.log_add(
        actor=specialist,
        matter=ring,
        kind=LogEntry.Kind.CALL,
        occurred_on=local_today(),
        summary="Đã liên hệ lại.",
    )
    ring.refresh_from_db()
    assert ring.urge_count == 0
    assert not list(urging.stale_matters_due(day, day))


def test_open_only(ladder_settings, ring, leader):
    Matter.objects.filter(pk=ring.pk).update(last_logged_on=datetime.date(2025, 8, 1))
    assert [o.pk for o in urging.stale_matters_due(local_today(), local_today())] == [
        ring.pk
    ]
    services.transition(
        actor=leader, matter=ring, action="escalate", reason="Cần Hội đồng"
    )
    assert not urging.stale_matters_due(local_today(), local_today())
