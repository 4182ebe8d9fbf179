"""Bounded retries with back-off for jobs (django-tasks has none built in).

Use ``retrying_task`` where you would write ``@task()``::

    from dieuphoi.jobs.retry import retrying_task

    @retrying_task(max_attempts=5)
    def notification_email_send(*, notification_id: int) -> None: ...

    notification_email_send.enqueue(notification_id=n.pk)

When the function raises, the job re-enqueues itself with the same arguments
plus ``_attempt=<n + 1>`` and ``run_after`` = now + ``backoff(n)`` seconds,
then lets the exception fail this attempt (the failure stays visible). After
``max_attempts`` attempts it only fails. ``_attempt`` never reaches the
function unless it declares an ``_attempt`` parameter.

Back-ends that cannot defer (immediate, dummy) get the retry enqueued without
``run_after``: the immediate backend retries at once, the dummy backend only
records it.

The retried function must be idempotent (see ``dieuphoi.jobs``): an attempt
may have done part of its work before it failed.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

ATTEMPT_KWARG = "_attempt"


def exponential_backoff(
    base: float = 60, factor: float = 2, cap: float = 3600
) -> Callable[[int], float]:
    """Seconds to wait after attempt ``n`` (1-based): base·factor^(n-1), capped."""

    def delay(attempt: int) -> float:
        return min(cap, base * factor ** max(0, attempt - 1))

    return delay


def retrying_task(
    *,
    max_attempts: int = 5,
    backoff: Callable[[int], float] | float | None = None,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    **task_options: Any,
):
    """``@task(**task_options)`` with up to ``max_attempts`` runs.

    ``backoff``: a function of the failed attempt number returning seconds, or
    a number of seconds for exponential back-off from that base; default
    ``exponential_backoff()`` (1, 2, 4, 8 minutes ..., at most one hour).
    Only exceptions in ``retry_on`` are retried.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if task_options.get("takes_context"):
        # The retry re-enqueues the call's arguments; a context is not one.
        raise ValueError("retrying_task does not support takes_context")
    if backoff is None:
        delay_for = exponential_backoff()
    elif callable(backoff):
        delay_for = backoff
    else:
        delay_for = exponential_backoff(base=float(backoff))

    def decorator(func: Callable[..., Any]):
        wants_attempt = ATTEMPT_KWARG in inspect.signature(func).parameters
        holder: dict[str, Any] = {}

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            call_kwargs = (
                {**kwargs, ATTEMPT_KWARG: attempt} if wants_attempt else kwargs
            )
            try:
                return func(*args, **call_kwargs)
            except retry_on as exc:
                job = holder["task"]
                if attempt >= max_attempts:
                    logger.error(
                        "Job %s failed on its last attempt (%s of %s): %r",
                        job.name,
                        attempt,
                        max_attempts,
                        exc,
                    )
                    raise
                seconds = delay_for(attempt)
                _enqueue_retry(
                    job, args, {**kwargs, ATTEMPT_KWARG: attempt + 1}, seconds
                )
                logger.warning(
                    "Job %s failed (attempt %s of %s), retry in %ss: %r",
                    job.name,
                    attempt,
                    max_attempts,
                    seconds,
                    exc,
                )
                raise

        job_task = task(**task_options)(run)
        holder["task"] = job_task
        return job_task

    return decorator


def _enqueue_retry(job, args: tuple, kwargs: dict, seconds: float) -> None:
    backend = job.get_backend()
    if backend.supports_defer:
        run_after = timezone.now() + datetime.timedelta(seconds=seconds)
        job.using(run_after=run_after).enqueue(*args, **kwargs)
    else:
        job.enqueue(*args, **kwargs)
