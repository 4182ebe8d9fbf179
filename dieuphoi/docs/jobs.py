"""Background jobs of the documents register (thin: they call the services).

``docs.attachments_purge`` is a daily job (``workdays.scheduler``): it
deletes for good the files removed more than ``ATTACHMENT_TRASH_DAYS`` (30)
days before the day it works for. Running it twice for a day does nothing
more.
"""

from __future__ import annotations

import datetime

from dieuphoi.jobs.retry import retrying_task

from . import services


@retrying_task(max_attempts=3, backoff=300)
def attachments_purge_daily(*, day: str) -> dict:
    on = datetime.date.fromisoformat(day)
    return {"day": day, "purged": services.attachment_purge(day=on)}
