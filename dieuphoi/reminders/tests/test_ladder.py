"""The ladder's date arithmetic against a brute-force reading of its rules,
over Tết 2026 and a swapped working Saturday, under both readings of a
deadline on a day off (``DEADLINE_ON_DAY_OFF``)."""

import datetime

import pytest
from django.test import override_settings

from dieuphoi.reminders import ladder
from dieuphoi.workdays import calendar
from dieuphoi.workdays.models import CalendarDay

D = datetime.date
ONE = datetime.timedelta(days=1)
SETTINGS = ladder.LadderSettings(
    before_days=(5, 1), urging_every=3, escalate_after=3, progress_every="monthly"
)
RULES = pytest.mark.parametrize("rule", ["next_working_day", "as_written"])


def effective(deadline, rule):
    """The last day the deadline is met on, read plainly from the rule."""
    if rule == "as_written":
        return deadline
    day = deadline
    while not calendar.is_working_day(day):
        day += ONE
    return day


def due_working_day(deadline, rule):
    """The working day the reminders count to, read plainly from the rule."""
    day = deadline
    step = ONE if rule == "next_working_day" else -ONE
    while not calendar.is_working_day(day):
        day += step
    return day


def expected(day, deadline, rule):
    """The rung due on ``day`` for ``deadline``, read from the rules."""
    if effective(deadline, rule) >= day:
        n = calendar.working_days_between(day, due_working_day(deadline, rule))
        if n == 0:
            return ladder.Rung(ladder.ON_DEADLINE, 0)
        if n in SETTINGS.before_days:
            return ladder.Rung(ladder.BEFORE_DEADLINE, n)
        return None
    m = calendar.working_days_between(effective(deadline, rule), day)
    if m and m % SETTINGS.urging_every == 0:
        return ladder.Rung(ladder.URGING, m // SETTINGS.urging_every)
    return None


def check_days(first, last, rule):
    day = first
    checked = 0
    with override_settings(DEADLINE_ON_DAY_OFF=rule):
        while day <= last:
            if calendar.is_working_day(day):
                oldest = day - 40 * ONE
                rungs = ladder.deadline_rungs(day, SETTINGS, oldest)
                deadline = oldest
                while deadline <= day + 30 * ONE:
                    assert rungs.get(deadline) == expected(day, deadline, rule), (
                        day,
                        deadline,
                    )
                    deadline += ONE
                checked += 1
            day += ONE
    return checked


@RULES
def test_rungs_match_the_rules_around_tet_2026(rule):
    assert check_days(D(2026, 1, 26), D(2026, 3, 20), rule) > 30


@RULES
@pytest.mark.django_db
def test_rungs_match_the_rules_with_a_swapped_saturday(rule):
    CalendarDay.objects.create(
        date=D(2026, 2, 28), kind=CalendarDay.Kind.WORKING_DAY, note="Làm bù"
    )
    assert calendar.is_working_day(D(2026, 2, 28))
    assert check_days(D(2026, 2, 16), D(2026, 3, 13), rule) > 10


@RULES
def test_the_urging_cutoffs_say_u_working_days_after_the_effective_deadline(rule):
    with override_settings(DEADLINE_ON_DAY_OFF=rule):
        for day in calendar_days(D(2026, 1, 26), D(2026, 3, 13)):
            for every in (1, 2, 3, 5):
                cutoff = ladder.urging_deadline_cutoff(day, every)
                deadline = day - 40 * ONE
                while deadline <= day + 5 * ONE:
                    passed = calendar.working_days_between(
                        effective(deadline, rule), day
                    )
                    assert (deadline < cutoff) == (passed >= every), (
                        day,
                        every,
                        deadline,
                    )
                    deadline += ONE


@RULES
def test_the_kth_urging_day_is_k_u_working_days_after_the_effective_deadline(rule):
    with override_settings(DEADLINE_ON_DAY_OFF=rule):
        for deadline in (D(2026, 2, 13), D(2026, 2, 17), D(2026, 3, 7), D(2026, 3, 9)):
            for k in (1, 2, 3):
                day = ladder.urging_day(deadline, k, 3)
                assert calendar.is_working_day(day)
                rungs = ladder.urging_rungs(day, 3, deadline - 30 * ONE)
                assert rungs[deadline] == ladder.Rung(ladder.URGING, k)
                assert (
                    calendar.working_days_between(effective(deadline, rule), day)
                    == 3 * k
                )
    with pytest.raises(ValueError):
        ladder.urging_day(D(2026, 3, 7), 0, 3)


def calendar_days(first, last):
    day = first
    while day <= last:
        if calendar.is_working_day(day):
            yield day
        day += ONE


@override_settings(DEADLINE_ON_DAY_OFF="as_written")
def test_before_tet_the_five_day_reminder_reaches_past_the_holiday_as_written():
    # Tue 10/02/2026: five working days later is Tue 24/02 (Tết 14-22/02).
    rungs = ladder.deadline_rungs(D(2026, 2, 10), SETTINGS, None)
    assert rungs[D(2026, 2, 24)] == ladder.Rung(ladder.BEFORE_DEADLINE, 5)
    # Fri 13/02: the last working day before Tết is "on the deadline" for
    # every deadline in the holiday, and one day before Mon 23/02.
    rungs = ladder.deadline_rungs(D(2026, 2, 13), SETTINGS, None)
    for day in range(13, 23):
        assert rungs[D(2026, 2, day)] == ladder.Rung(ladder.ON_DEADLINE, 0)
    assert rungs[D(2026, 2, 23)] == ladder.Rung(ladder.BEFORE_DEADLINE, 1)


@override_settings(DEADLINE_ON_DAY_OFF="as_written")
def test_urging_counts_working_days_after_the_deadline_as_written():
    # Deadline Sun 15/02 (in Tết): 23, 24, 25/02 are the first three
    # working days after it, so the first urging is on Wed 25/02.
    rungs = ladder.deadline_rungs(D(2026, 2, 25), SETTINGS, D(2026, 2, 1))
    assert rungs[D(2026, 2, 15)] == ladder.Rung(ladder.URGING, 1)
    assert rungs[D(2026, 2, 13)] == ladder.Rung(ladder.URGING, 1)
    assert D(2026, 2, 12) not in rungs
    rungs = ladder.deadline_rungs(D(2026, 2, 24), SETTINGS, D(2026, 2, 1))
    assert D(2026, 2, 15) not in rungs


@override_settings(DEADLINE_ON_DAY_OFF="next_working_day")
def test_a_deadline_in_tet_is_due_on_the_first_working_day_after_it():
    # Tết 14-22/02/2026: a deadline in it is due on Mon 23/02 (Civil Code
    # Art. 148(5)); Fri 13/02 is one working day before it, Mon 09/02 five.
    rungs = ladder.deadline_rungs(D(2026, 2, 13), SETTINGS, None)
    assert rungs[D(2026, 2, 13)] == ladder.Rung(ladder.ON_DEADLINE, 0)
    for day in range(14, 24):
        assert rungs[D(2026, 2, day)] == ladder.Rung(ladder.BEFORE_DEADLINE, 1)
    rungs = ladder.deadline_rungs(D(2026, 2, 9), SETTINGS, None)
    assert rungs[D(2026, 2, 17)] == ladder.Rung(ladder.BEFORE_DEADLINE, 5)
    rungs = ladder.deadline_rungs(D(2026, 2, 23), SETTINGS, D(2026, 2, 1))
    for day in range(14, 24):
        assert rungs[D(2026, 2, day)] == ladder.Rung(ladder.ON_DEADLINE, 0)
    # The first urging: three working days after 23/02, on Thu 26/02.
    rungs = ladder.deadline_rungs(D(2026, 2, 25), SETTINGS, D(2026, 2, 1))
    assert D(2026, 2, 17) not in rungs
    rungs = ladder.deadline_rungs(D(2026, 2, 26), SETTINGS, D(2026, 2, 1))
    assert rungs[D(2026, 2, 17)] == ladder.Rung(ladder.URGING, 1)
    assert rungs[D(2026, 2, 14)] == ladder.Rung(ladder.URGING, 1)
    assert D(2026, 2, 13) not in rungs


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
