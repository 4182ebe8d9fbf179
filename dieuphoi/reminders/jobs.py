"""The daily reminder job (thin: it calls ``services.reminders_run_day``).

Registered with the scheduler as ``reminders.run_day`` (working days only).
It may run twice for a day (``--force``, a retry, a re-queue after its worker
died): the service sends each reminder once whatever happens.
"""

from __future__ import annotations

import datetime

from dieuphoi.jobs.retry import retrying_task

from . import services


@retrying_task(max_attempts=3, backoff=300)
def reminders_daily(*, day: str) -> dict:
    on = datetime.date.fromisoformat(day)
    result = services.reminders_run_day(day=on, progress_key=f"reminders:{day}")
    return result.as_dict()
