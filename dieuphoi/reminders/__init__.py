"""The reminder ladder, urging, escalation to the leadership meeting.

Public names:

- ``services.reminders_run_day(*, day, batch_size=None, progress_key=None)``:
  the daily run (the job ``jobs.reminders_daily`` registered with the
  scheduler as ``reminders.run_day``, working days only).
- ``services.task_urge_count_sync(*, task_ids)`` (a repair: recount from
  the records), ``services.part_urge_counts(part_ids)``, ``services.
  escalation_resolve(*, escalation, actor, resolution)``,
  ``services.extension_pending_notify(*, day)``.
- ``services.task_urging_base()``: the SQL expression of the later of a
  task's written deadline and its last urging; with
  ``ladder.urging_cutoff(day, every)`` and
  ``ladder.urging_deadline_cutoff(day, every)`` it selects the tasks due
  for an urging (for other selections that need it).
- ``ladder.urging_day(deadline, k, every)`` (the day urging k is due when
  the job runs every working day), ``ladder.working_days_from(day,
  deadlines)`` (working days to many deadlines' effective deadlines, one
  calendar walk: the task list, the task page, the letters' "days
  overdue").
- ``selectors.task_reminder_panel(*, user, task) -> dict``: context for the
  include ``reminders/task_escalation.html`` on the task page.
- ``selectors.escalation_list(*, user, state="open")``.
- ``obligations``: the same ladder for what is owed by a date and is not a
  task (a party's answer to a consultation round, a key project's
  milestone, a report contribution): an app registers an
  ``ObligationSource``; the daily job ``reminders.obligations`` reminds
  before and on the deadline, urges every ``URGING_EVERY_WORKING_DAYS``
  working days after it (the source stores the count), escalates after
  ``ESCALATE_AFTER_URGINGS``, each rung once (``ObligationReminder``).
- Tasks are registered as notification targets here (``targets``), so any
  app may ``notifications.services.notify(target=task, ...)``; the kinds
  ``part_urging`` and ``confirmation_pending`` are added to the
  notifications catalogue (``apps.py``).

Deadlines on a day off follow ``settings.DEADLINE_ON_DAY_OFF``
(``dieuphoi.workdays.calendar``): under ``next_working_day`` (the default,
Civil Code 2015 Art. 148(5)) a deadline on Saturday 07/03/2026 is reminded
"1 working day before" on Friday 06/03, "on the deadline" on Monday 09/03,
is overdue from Tuesday 10/03 and first urged U working days after Monday
(Thursday 12/03 with U = 3); a deadline in Tết is due on the first working
day after it. Under ``as_written`` the same deadline is "on the deadline"
on Friday 06/03 (the working day before it) and overdue from Sunday 08/03,
first urged U working days after Saturday (Wednesday 11/03). Every
reminder, escalation and count keeps the written deadline as its key. The
"overdue by / working days left" labels and the letters' days overdue count
from the same effective deadline.

Urging counts (issue 7):

- One count per task, ``Task.urge_count``: every urging notice of the daily
  run and every issued urging letter that lists the task adds one, and its
  number (``Reminder.seq``, ``LetterTask.urge_number``) is the count after
  it. A notice and a letter on the same day both count (see
  ``dieuphoi.letters.services``). One count per co-operating part: its
  ``part_urging`` notices (``part_urge_counts``; letters address the lead
  agency, so they do not count for parts). Parts are urged after their own
  sub-deadline only.
- The k-th urging goes out ``URGING_EVERY_WORKING_DAYS`` (U) working days
  after the (k-1)-th (the first U working days after the effective
  deadline), from
  whenever the task was first found overdue: go-live, a missed day, a
  server that was down each catch up with one urging per task per run.
- Escalation to the leader and the secretariat: once per task and
  deadline, when the count reaches ``ESCALATE_AFTER_URGINGS``, also for a
  task already past it (an imported count) with no escalation yet.
- Not urged: reported done (the secretariat is reminded instead, once per
  report, after ``CONFIRMATION_REMINDER_WORKING_DAYS``), completed,
  cancelled, extension requested (the leader is reminded of the decision,
  ``extension_pending_notify``). Reported-done tasks get no reminders
  before the deadline or progress requests either.

Settings: ``REMINDER_BEFORE_DAYS`` (5, 1), ``URGING_EVERY_WORKING_DAYS`` (3),
``ESCALATE_AFTER_URGINGS`` (3), ``CONFIRMATION_REMINDER_WORKING_DAYS`` (3),
``PROGRESS_REQUEST_EVERY`` ("monthly"), ``REMINDER_BATCH_SIZE`` (1000).

URLs: ``reminders:escalations`` (list), ``reminders:escalation-resolve``.
"""
