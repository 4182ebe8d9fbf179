"""The reminder ladder, urging, escalation to the leadership meeting.

Public names:

- ``services.reminders_run_day(*, day, batch_size=None, progress_key=None)``:
  the daily run (the job ``jobs.reminders_daily`` registered with the
  scheduler as ``reminders.run_day``, working days only).
- ``services.task_urge_count_sync(*, task_ids)``, ``services.
  escalation_resolve(*, escalation, actor, resolution)``.
- ``selectors.task_reminder_panel(*, user, task) -> dict``: context for the
  include ``reminders/task_escalation.html`` on the task page.
- ``selectors.escalation_list(*, user, state="open")``.
- Tasks are registered as notification targets here (``targets``), so any
  app may ``notifications.services.notify(target=task, ...)``.

Settings: ``REMINDER_BEFORE_DAYS`` (5, 1), ``URGING_EVERY_WORKING_DAYS`` (3),
``ESCALATE_AFTER_URGINGS`` (3), ``PROGRESS_REQUEST_EVERY`` ("monthly"),
``REMINDER_BATCH_SIZE`` (1000).

URLs: ``reminders:escalations`` (list), ``reminders:escalation-resolve``.
"""
