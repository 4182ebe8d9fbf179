"""What the task pages cache, and what invalidates it (``dieuphoi.core.cache``).

- Stamp ``tasks``: replaced on every write of a task, a part, a progress
  update, a deadline change, an extension request, a state or lead change
  and a task's provinces (``connect``: model signals, so every ``save()``,
  ``create()``, ``delete()`` whatever the caller: services, handover, seeds,
  the admin), and by the queryset writes that send no signal
  (``bulk_create`` of parts and lead changes, ``seed_scale``'s raw inserts,
  ``Task.urge_count``'s updates by the reminders and the letters: the
  cached rows show it) where they are made.
- Stamp ``registry``: replaced on every write of an agency, an
  administrative unit, a body, a body's agencies, a succession, a region,
  a sector and a person's name (the org services, the admin, the seeds:
  model signals too; a sign-in's ``last_login`` alone does not).
  Lineage filters (``lineage``) read the registry, so the counts key holds
  both stamps.

Cached:

- ``bucket_counts(user, filters, on, compute)``: the list's counts strip,
  per visible scope (``scope_key``: two users who see the same tasks
  share an entry), filters (bucket, sort and ``on`` left out), date
  and what the buckets depend on besides the tasks (due-soon horizon,
  at-risk gap, day-off rule and calendar version).
  ``TASK_COUNTS_CACHE_SECONDS``.
- ``bucket_counts_ready(user, filters, on)``: the same entry if it is
  stored, else None: the list page shows a ready strip at once and loads
  a missing one by its own request.
- ``summary_counts(...)``: the summary's grouped counts, keyed the same
  way. A past date is not cached for ever: the history of a past day can
  still change (a deadline change dated in the past, a handover's lead
  change dated on the succession day). ``TASK_SUMMARY_CACHE_SECONDS``.
- ``list_rows(user, filters, on, after, render)``: one page of the list's
  rows rendered (``rows.list_rows``), keyed as the counts plus every
  filter (bucket and sort too), the cursor, the language and the script
  prefix (the rows' links). The rows show nothing a task write or a
  registry write would not change the stamps of: ``Task.urge_count``'s
  queryset updates bump ``tasks`` where they are made (reminders,
  letters). ``TASK_ROWS_CACHE_SECONDS``.
- ``api_list(user, filters, on, cursor, limit, answer)``: one page of the
  API's task list as JSON text (``api.list_tasks``), keyed as the rows plus
  the page size; ``TASK_ROWS_CACHE_SECONDS`` too. Its items name each
  task's owner: a person's name change bumps ``registry``.
- ``summary_page(user, filters, on, render)``: the summary's figures
  rendered (``rows.summary_page``), keyed as its counts plus the language
  and the script prefix. ``TASK_SUMMARY_CACHE_SECONDS``.
- ``filter_options()``: the list's agency, province and sector options
  (plain ``(value, label)`` rows), per language, in this process until the
  registry stamp changes: one stamp query instead of three per list page.
  ``REGISTRY_CHOICES_CACHE``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from dieuphoi.core import cache as stamps
from dieuphoi.org import permissions as org_perms

from . import buckets
from .permissions import party_ids, user_seats

TASK_STAMPS = (stamps.TASKS, stamps.REGISTRY)


def connect() -> None:
    """Bump the stamps on model writes (``TasksConfig.ready``)."""
    from dieuphoi.org.models import (
        AdministrativeUnit,
        Agency,
        AgencySuccession,
        Body,
        BodyAgency,
        Region,
        RegionMembership,
    )

    from .models import (
        DeadlineChange,
        ExtensionRequest,
        ProgressUpdate,
        Sector,
        Task,
        TaskLeadChange,
        TaskPart,
        TaskStateChange,
    )

    stamps.bump_on_write(
        stamps.TASKS,
        Task,
        TaskPart,
        ProgressUpdate,
        DeadlineChange,
        ExtensionRequest,
        TaskStateChange,
        TaskLeadChange,
        Task.provinces.through,
    )
    stamps.bump_on_write(
        stamps.REGISTRY,
        Sector,
        Agency,
        Agency.predecessors.through,
        AdministrativeUnit,
        AdministrativeUnit.predecessors.through,
        Body,
        BodyAgency,
        AgencySuccession,
        AgencySuccession.predecessors.through,
        AgencySuccession.successors.through,
        Region,
        RegionMembership,
    )
    # A person's name is shown with the tasks they own (the API list); a
    # sign-in's save of ``last_login`` alone changes nothing shown.
    user_model = get_user_model()
    post_save.connect(
        _user_saved, sender=user_model, weak=False, dispatch_uid="tasks.cache:user"
    )
    post_delete.connect(
        _user_deleted,
        sender=user_model,
        weak=False,
        dispatch_uid="tasks.cache:user:del",
    )


NAME_FIELDS = frozenset({"full_name", "first_name", "last_name", "username"})


def _user_saved(sender, update_fields=None, raw=False, using=None, **kwargs) -> None:
    if raw or (update_fields is not None and not NAME_FIELDS & set(update_fields)):
        return
    stamps.bump(stamps.REGISTRY, using=using)


def _user_deleted(sender, using=None, **kwargs) -> None:
    stamps.bump(stamps.REGISTRY, using=using)


def bump_tasks() -> None:
    """For queryset writes of task data (no signal)."""
    stamps.bump(stamps.TASKS)


def bump_registry() -> None:
    """For queryset writes of the registry (no signal)."""
    stamps.bump(stamps.REGISTRY)


def scope_key(user) -> str:
    """What the list's scope (``selectors._scope``, and ``_text_q``) depends
    on, for cache keys: the visible bodies, and the party scope only for a
    user who has one (so the people who see the same tasks share a key). No
    query once the seats are loaded."""
    seats = user_seats(user)
    visible = org_perms.visible_body_ids(user)
    if visible is None:
        return "all"
    party = None
    if any(seat.outside_parts for seat in seats):
        bodies, agencies = party_ids(user)
        party = (sorted(bodies), sorted(agencies))
    return repr((sorted(visible), party))


def _parts(user, filters, on: datetime.date) -> tuple:
    # The sort and the date are left out: neither changes the counts.
    params = filters.to_params()
    params.pop("sort", None)
    params.pop("on", None)
    return (
        scope_key(user),
        tuple(sorted(params.items())),
        on.isoformat(),
        buckets.due_soon_limit(on).isoformat(),
        buckets.at_risk_gap(),
        buckets.rule_key(),
    )


def bucket_counts(user, filters, on: datetime.date, compute: Callable[[], dict]):
    """``compute()`` (the counts strip, ``filters`` without its bucket)."""
    return stamps.cached(
        "tasks:counts",
        _parts(user, filters.replace(bucket=None), on),
        compute,
        stamps=TASK_STAMPS,
        seconds=_counts_seconds(),
    )


def bucket_counts_ready(user, filters, on: datetime.date) -> dict | None:
    """The counts ``bucket_counts`` holds already, or None (nothing counted)."""
    return stamps.peek(
        "tasks:counts",
        _parts(user, filters.replace(bucket=None), on),
        stamps=TASK_STAMPS,
        seconds=_counts_seconds(),
    )


def _counts_seconds() -> int:
    return int(getattr(settings, "TASK_COUNTS_CACHE_SECONDS", 0))


def summary_counts(user, filters, on: datetime.date, compute: Callable[[], tuple]):
    seconds = int(getattr(settings, "TASK_SUMMARY_CACHE_SECONDS", 0))
    return stamps.cached(
        "tasks:summary",
        _parts(user, filters, on),
        compute,
        stamps=TASK_STAMPS,
        seconds=seconds,
    )


def _rendered(prefix: str, parts: tuple, render, seconds: int):
    """``render()`` under the task stamps (``stamps.rendered``: per language
    and script prefix too)."""
    return stamps.rendered(prefix, parts, render, stamps=TASK_STAMPS, seconds=seconds)


def _page_parts(user, filters, on: datetime.date, cursor: str | None) -> tuple:
    """One page of the list: the counts' key plus every filter (bucket and
    sort too) and the cursor."""
    return (
        *_parts(user, filters, on),
        tuple(sorted(filters.to_params().items())),
        cursor or "",
    )


def _rows_seconds() -> int:
    return int(getattr(settings, "TASK_ROWS_CACHE_SECONDS", 0))


def list_rows(user, filters, on: datetime.date, after: str | None, render):
    """``render()`` (one page of rendered rows, ``rows.list_rows``)."""
    return _rendered(
        "tasks:rows", _page_parts(user, filters, on, after), render, _rows_seconds()
    )


def api_list(user, filters, on: datetime.date, cursor: str | None, limit: int, answer):
    """``answer()`` (one page of the API's task list as JSON text), keyed as
    the list's rows plus the page size. The items name the owner: a person's
    name change bumps ``registry`` (``connect``)."""
    return _rendered(
        "tasks:api-list",
        (*_page_parts(user, filters, on, cursor), limit),
        answer,
        _rows_seconds(),
    )


def summary_page(user, filters, on: datetime.date, render):
    """``render()`` (the summary's figures rendered, ``rows.summary_page``)."""
    return _rendered(
        "tasks:summary-page",
        _parts(user, filters, on),
        render,
        int(getattr(settings, "TASK_SUMMARY_CACHE_SECONDS", 0)),
    )


def filter_options(compute: Callable[[], dict]) -> dict:
    """``compute()`` (the list filters' options), per language."""
    if not getattr(settings, "REGISTRY_CHOICES_CACHE", False):
        return compute()
    return stamps.memo(
        "tasks:filter-options",
        (get_language(),),
        compute,
        stamps=(stamps.REGISTRY,),
    )
