"""The daily reminder jobs (thin: they call the services).

Registered with the scheduler (working days only) as ``reminders.run_day``
(``services.reminders_run_day``) and ``reminders.extension_pending``
(``services.extension_pending_notify``). Either may run twice for a day
(``--force``, a retry, a re-queue after its worker died): the services send
each reminder once whatever happens.
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


@retrying_task(max_attempts=3, backoff=300)
def extension_pending_daily(*, day: str) -> dict:
    on = datetime.date.fromisoformat(day)
    return {"day": day, "notifications": services.extension_pending_notify(day=on)}


@retrying_task(max_attempts=3, backoff=300)
def obligations_daily(*, day: str) -> dict:
    """Reminders and urgings of the obligations other apps register
    (``obligations``): consultation answers, milestones, contributions."""
    from . import obligations

    result = obligations.run_day(datetime.date.fromisoformat(day))
    return {
        "day": day,
        "planned": result.planned,
        "sent": result.sent,
        "urged": result.urged,
        "escalated": result.escalated,
        "by_source": result.by_source,
    }
