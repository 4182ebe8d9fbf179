"""The ladder's date arithmetic against a brute-force reading of its rules,
over Tết 2026 and a swapped working Saturday."""

import datetime

import pytest

from dieuphoi.reminders import ladder
from dieuphoi.workdays import calendar
from dieuphoi.workdays.models import CalendarDay

D = datetime.date
ONE = datetime.timedelta(days=1)
SETTINGS = ladder.LadderSettings(
    before_days=(5, 1), urging_every=3, escalate_after=3, progress_every="monthly"
)


def effective(day):
    return day if calendar.is_working_day(day) else calendar.previous_working_day(day)


def expected(day, deadline):
    """The rung due on ``day`` for ``deadline``, read from the rules."""
    if deadline >= day:
        n = calendar.working_days_between(day, effective(deadline))
        if n == 0:
            return ladder.Rung(ladder.ON_DEADLINE, 0)
        if n in SETTINGS.before_days:
            return ladder.Rung(ladder.BEFORE_DEADLINE, n)
        return None
    m = calendar.working_days_between(deadline, day)
    if m and m % SETTINGS.urging_every == 0:
        return ladder.Rung(ladder.URGING, m // SETTINGS.urging_every)
    return None


def check_days(first, last):
    day = first
    checked = 0
    while day <= last:
        if calendar.is_working_day(day):
            oldest = day - 40 * ONE
            rungs = ladder.deadline_rungs(day, SETTINGS, oldest)
            deadline = oldest
            while deadline <= day + 30 * ONE:
                assert rungs.get(deadline) == expected(day, deadline), (day, deadline)
                deadline += ONE
            checked += 1
        day += ONE
    return checked


def test_rungs_match_the_rules_around_tet_2026():
    assert check_days(D(2026, 1, 26), D(2026, 3, 20)) > 30


@pytest.mark.django_db
def test_rungs_match_the_rules_with_a_swapped_saturday():
    CalendarDay.objects.create(
        date=D(2026, 2, 28), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù"
    )
    assert calendar.is_working_day(D(2026, 2, 28))
    assert check_days(D(2026, 2, 16), D(2026, 3, 13)) > 10


def test_before_tet_the_five_day_reminder_reaches_past_the_holiday():
    # Tue 10/02/2026: five working days later is Tue 24/02 (Tết 14-22/02).
    rungs = ladder.deadline_rungs(D(2026, 2, 10), SETTINGS, None)
    assert rungs[D(2026, 2, 24)] == ladder.Rung(ladder.BEFORE_DEADLINE, 5)
    # Fri 13/02: the last working day before Tết is "on the deadline" for
    # every deadline in the holiday, and one day before Mon 23/02.
    rungs = ladder.deadline_rungs(D(2026, 2, 13), SETTINGS, None)
    for day in range(13, 23):
        assert rungs[D(2026, 2, day)] == ladder.Rung(ladder.ON_DEADLINE, 0)
    assert rungs[D(2026, 2, 23)] == ladder.Rung(ladder.BEFORE_DEADLINE, 1)


def test_urging_counts_working_days_after_the_deadline():
    # Deadline Sun 15/02 (in Tết): 23, 24, 25/02 are the first three
    # working days after it, so the first urging is on Wed 25/02.
    rungs = ladder.deadline_rungs(D(2026, 2, 25), SETTINGS, D(2026, 2, 1))
    assert rungs[D(2026, 2, 15)] == ladder.Rung(ladder.URGING, 1)
    assert rungs[D(2026, 2, 13)] == ladder.Rung(ladder.URGING, 1)
    assert D(2026, 2, 12) not in rungs
    rungs = ladder.deadline_rungs(D(2026, 2, 24), SETTINGS, D(2026, 2, 1))
    assert D(2026, 2, 15) not in rungs


def test_no_urging_without_overdue_tasks():
    assert ladder.urging_rungs(D(2026, 3, 2), 3, None) == {}
    assert ladder.urging_rungs(D(2026, 3, 2), 3, D(2026, 3, 2)) == {}
    assert ladder.urging_rungs(D(2026, 3, 2), 0, D(2026, 1, 2)) == {}


def test_progress_requests_fall_on_the_first_working_day_of_the_period():
    # 01/03/2026 is a Sunday: the first working day is Mon 02/03.
    assert ladder.progress_period_start(D(2026, 3, 2), "monthly") == D(2026, 3, 1)
    assert ladder.progress_period_start(D(2026, 3, 3), "monthly") is None
    # 01/01 is a holiday; 02/01/2026 is a Friday.
    assert ladder.progress_period_start(D(2026, 1, 2), "quarterly") == D(2026, 1, 1)
    assert ladder.progress_period_start(D(2026, 2, 2), "quarterly") is None
    assert ladder.progress_period_start(D(2026, 3, 2), "off") is None
