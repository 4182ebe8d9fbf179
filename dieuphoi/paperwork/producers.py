"""Capabilities that produce papers, and what they do when one is issued.

A capability (urging letters, proposals, meetings, reports) builds its
content itself and calls ``services.paper_create(..., producer="letters",
source=item)``. If it must act in the issuing transaction (count an urging,
mark a proposal submitted) it registers hooks from ``AppConfig.ready()``::

    register_producer(
        "letters",
        label=_("Urging letter"),
        before_issue=letter_before_issue,  # (paper, version) -> list | None
        after_issue=letter_after_issue,    # (paper, actor) -> None
    )

- ``before_issue(paper, version)`` runs after the paper's row is locked and
  before the number is taken. It may refuse (raise ``ValidationError``: the
  issue stops, nothing is written, no number is taken) or return new blocks
  for figures that moved since approval and that the capability owns (the
  urging number of a task): they are stored as the issued version.
- ``after_issue(paper, actor)`` runs in the same transaction, after the
  register entry exists.
- ``check_transition(paper, action, actor)`` runs before a review
  transition (``submit``, ``return``, ``approve``, ``withdraw``) or the
  ``send``, with the paper's row locked: it may refuse (``ValidationError``,
  nothing is written). ``after_transition(paper, action, actor)`` runs in
  the same transaction once the paper's new state is saved (a periodic
  report freezes its figures at ``approve``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Producer:
    key: str
    label: str | Promise
    before_issue: Callable | None = None
    after_issue: Callable | None = None
    check_transition: Callable | None = None
    after_transition: Callable | None = None


_PRODUCERS: dict[str, Producer] = {}


def register_producer(
    key: str,
    *,
    label: str | Promise,
    before_issue: Callable | None = None,
    after_issue: Callable | None = None,
    check_transition: Callable | None = None,
    after_transition: Callable | None = None,
) -> Producer:
    producer = Producer(
        key, label, before_issue, after_issue, check_transition, after_transition
    )
    _PRODUCERS[key] = producer
    return producer


def get_producer(key: str) -> Producer | None:
    return _PRODUCERS.get(key) if key else None


def run_check(paper, action: str, actor) -> None:
    producer = get_producer(paper.producer)
    if producer is not None and producer.check_transition is not None:
        producer.check_transition(paper, action, actor)


def run_after(paper, action: str, actor) -> None:
    producer = get_producer(paper.producer)
    if producer is not None and producer.after_transition is not None:
        producer.after_transition(paper, action, actor)
