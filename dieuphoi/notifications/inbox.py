"""In-app notifications: who is told, in which language and with which
e-mail mode. ``services.notify`` / ``notify_many`` create them through this
module, then queue the e-mails (``emails.queue_emails``); ``emails`` uses
it alone to tell the administrators, in the app only, that an e-mail
failed (so it needs nothing of ``services``).

- ``NotificationSpec``: one notification (``services.notify_many``).
- ``notification_specs(*, recipients, kind, target, title, url="", key,
  day=None, email=True)``: one spec per recipient about one item
  (``services.notify``).
- ``notifications_create(specs, *, on=None) -> (rows, people)``: the
  notifications inserted once each (unique ``key``), for the recipients
  who may see the item and did not switch the kind off, with each
  recipient's ``Recipient`` (address, e-mail mode, language); no e-mail is
  queued.
- ``recipients_info(user_ids, on)``, ``kind_modes_of(specs)``,
  ``effective_kind_mode(kind, general, chosen, *, has_email=True)``: the
  recipients' settings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.functional import Promise

from dieuphoi.core.models import local_today

from . import registry
from .kinds import get_kind
from .models import EmailMode, KindPreference, Notification
from .selectors import notifications_written

TitleSource = str | Promise | Callable[[], str]

INSERT_BATCH = 500


@dataclass(frozen=True)
class NotificationSpec:
    recipient_id: int
    kind: str
    key: str  # unique per recipient: include the recipient's id
    title: TitleSource
    url: str = ""
    target_type_id: int | None = None
    target_id: int | None = None
    day: datetime.date | None = None
    email: bool = True


@dataclass(frozen=True)
class Recipient:
    email: str
    mode: str
    language: str


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_language() -> str:
    return settings.LANGUAGE_CODE


def _title_text(title: TitleSource) -> str:
    text = title() if callable(title) and not isinstance(title, Promise) else title
    return str(text)[:300]


def render_title(title: TitleSource, language: str) -> str:
    with translation.override(language or default_language()):
        return _title_text(title)


# --- recipients -----------------------------------------------------------


def recipients_info(user_ids: Iterable[int], on: datetime.date) -> dict[int, Recipient]:
    """Active users among ``user_ids`` with their address, e-mail mode and
    language (one query). The default mode follows the role: e-mail per
    event for the leader, deputy and secretariat of a body (they act on
    escalations the same day), the digest for everyone else."""
    # org is the registry of who is who, not a domain app: the role decides
    # the default, as it decides permissions everywhere.
    from dieuphoi.org.models import Membership
    from dieuphoi.org.permissions import MANAGER_ROLES

    ids = set(user_ids)
    if not ids:
        return {}
    manager = Membership.objects.as_of(on).filter(
        person=OuterRef("pk"), role__in=MANAGER_ROLES
    )
    rows = (
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .annotate(is_manager=Exists(manager))
        .order_by()
        .values_list(
            "pk",
            "email",
            "notification_preference__email_mode",
            "notification_preference__language",
            "is_manager",
        )
    )
    info = {}
    for pk, email, mode, language, is_manager in rows:
        if not mode:
            mode = EmailMode.IMMEDIATE if is_manager else EmailMode.DIGEST
        if not email:
            mode = EmailMode.OFF
        info[pk] = Recipient(
            email=email or "", mode=mode, language=language or default_language()
        )
    return info


def _visible_specs(
    specs: list[NotificationSpec], on: datetime.date
) -> list[NotificationSpec]:
    """Drop notifications about items their recipient may not see."""
    by_type: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for spec in specs:
        if spec.target_type_id is not None:
            by_type[spec.target_type_id].add((spec.recipient_id, spec.target_id))
    allowed = {
        type_id: registry.visible(type_id, pairs, on)
        for type_id, pairs in by_type.items()
    }
    return [
        spec
        for spec in specs
        if spec.target_type_id is None
        or (spec.recipient_id, spec.target_id) in allowed[spec.target_type_id]
    ]


def kind_modes_of(specs: Iterable[NotificationSpec]) -> dict[tuple[int, str], str]:
    """The recipients' own settings for the specs' kinds: ``{(user_id,
    kind): mode}``, one query (none when no kind is in the catalogue)."""
    user_ids: set[int] = set()
    kinds: set[str] = set()
    for spec in specs:
        if get_kind(spec.kind) is not None:
            user_ids.add(spec.recipient_id)
            kinds.add(spec.kind)
    if not kinds:
        return {}
    return {
        (uid, kind): mode
        for uid, kind, mode in KindPreference.objects.filter(
            user_id__in=user_ids, kind__in=kinds
        )
        .order_by()
        .values_list("user_id", "kind", "mode")
    }


def effective_kind_mode(
    kind: str, general: str, chosen: str | None, *, has_email: bool = True
) -> str:
    """What happens to a notification of ``kind`` for a person whose general
    e-mail mode is ``general`` and who chose ``chosen`` (or nothing) for the
    kind: ``muted`` (not sent at all), or its e-mail mode.

    The person's choice for the kind wins, except that a must-act kind is
    never muted. Without a choice: the general mode when it is "no e-mail",
    else the kind's default mode, else the general mode. Nothing is e-mailed
    to a person without an address.
    """
    entry = get_kind(kind)
    if entry is None:
        mode = general
    elif chosen == KindPreference.Mode.MUTED:
        mode = general if entry.must_act else KindPreference.Mode.MUTED
    elif chosen:
        mode = chosen
    elif general == EmailMode.OFF:
        mode = EmailMode.OFF
    else:
        mode = entry.default_mode or general
    if not has_email and mode != KindPreference.Mode.MUTED:
        return EmailMode.OFF
    return mode


# --- creating them --------------------------------------------------------


def notification_specs(
    *,
    recipients: Iterable[Any],
    kind: str,
    target: models.Model | None,
    title: TitleSource,
    url: str = "",
    key: str,
    day: datetime.date | None = None,
    email: bool = True,
) -> list[NotificationSpec]:
    """One spec per recipient (users or user ids) about ``target``; each
    key is ``"<key>:<user id>"``."""
    type_id = (
        ContentType.objects.get_for_model(target).pk if target is not None else None
    )
    user_ids = {getattr(r, "pk", r) for r in recipients}
    return [
        NotificationSpec(
            recipient_id=uid,
            kind=kind,
            key=f"{key}:{uid}",
            title=title,
            url=url,
            target_type_id=type_id,
            target_id=target.pk if target is not None else None,
            day=day,
            email=email,
        )
        for uid in sorted(user_ids)
        if uid is not None
    ]


def notifications_create(
    specs: Iterable[NotificationSpec], *, on: datetime.date | None = None
) -> tuple[list[Notification], dict[int, Recipient]]:
    """Insert the notifications of ``specs`` (once each: ``ignore_conflicts``
    on the unique key) and return the rows built (inserted now or before)
    with the recipients' settings; queues no e-mail.

    Specs about items their recipient may not see are dropped, and so are
    those of a kind the recipient switched off (``kinds``,
    ``KindPreference``); the e-mail mode is the kind's
    (``effective_kind_mode``), off for a spec with ``email=False``. ``on``
    is the day permissions are judged on (default today).
    """
    on = on or local_today()
    unique: dict[str, NotificationSpec] = {}
    for spec in specs:
        unique.setdefault(spec.key, spec)
    kept = _visible_specs(list(unique.values()), on)
    if not kept:
        return [], {}
    people = recipients_info({s.recipient_id for s in kept}, on)
    chosen = kind_modes_of(kept)
    by_language: dict[str, list[NotificationSpec]] = defaultdict(list)
    for spec in kept:
        person = people.get(spec.recipient_id)
        if person is not None:
            by_language[person.language].append(spec)
    rows = []
    for language, group in by_language.items():
        # One title per source and language: recipients of one event share it.
        titles: dict[int, str] = {}
        with translation.override(language or default_language()):
            for spec in group:
                person = people[spec.recipient_id]
                mode = effective_kind_mode(
                    spec.kind,
                    person.mode,
                    chosen.get((spec.recipient_id, spec.kind)),
                    has_email=bool(person.email),
                )
                if mode == KindPreference.Mode.MUTED:
                    continue
                source = id(spec.title)
                if source not in titles:
                    titles[source] = _title_text(spec.title)
                rows.append(
                    Notification(
                        recipient_id=spec.recipient_id,
                        kind=spec.kind[:50],
                        target_type_id=spec.target_type_id,
                        target_id=spec.target_id,
                        title=titles[source],
                        url=spec.url[:500],
                        day=spec.day or on,
                        email_mode=mode if spec.email else EmailMode.OFF,
                        key=spec.key[:200],
                    )
                )
    Notification.objects.bulk_create(
        rows, ignore_conflicts=True, batch_size=INSERT_BATCH
    )
    notifications_written()
    return rows, people
