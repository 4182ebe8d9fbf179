"""Writes of the calendar: the ICS feed tokens.

Public names:

- ``feed_create(*, actor, body=None, name="") -> (FeedToken, raw)``: a
  personal feed (``body`` None) or a feed of a body ``actor`` holds a seat
  in today (``PermissionDenied`` otherwise). ``raw`` is the secret, returned
  once: only its SHA-256 is kept (``accounts.models.hash_token``).
- ``feed_revoke(*, actor, feed) -> FeedToken``: its owner or an
  administrator; revoking a revoked feed changes nothing.
- ``feed_regenerate(*, actor, feed) -> (FeedToken, raw)``: revokes ``feed``
  and makes a new one with the same body and name, in one transaction.
- ``feed_resolve(raw) -> FeedToken | None``: the feed of a secret, when it
  is known, not revoked, its owner active and, for a body's feed, still
  seated in the body; records ``last_used_at`` (at most once a minute).

Each write is audited (``calendars.feed_create``/``feed_revoke``); the
secret is never written to the audit trail, only its prefix.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.accounts.models import hash_token
from dieuphoi.audit.services import audit_record
from dieuphoi.core.params import has_bad_text
from dieuphoi.org import permissions as org_perms

from .models import FeedToken

ACTION_LABELS = {
    "calendars.feed_create": _("Created a calendar feed"),
    "calendars.feed_revoke": _("Revoked a calendar feed"),
}
CHANGE_LABELS = {
    "prefix": _("prefix"),
    "revoked_at": _("revoked at"),
    "replaced_by": _("replaced by"),
    "replaces_feed": _("replaces feed"),
    "body": _("coordination body"),
    "name": _("name"),
}
NAME_MAX = FeedToken._meta.get_field("name").max_length
# Active feeds one person may hold.
MAX_ACTIVE_FEEDS = 20
USE_RECORD_EVERY = datetime.timedelta(minutes=1)


def seat_body_ids(user) -> set[int]:
    """Bodies where ``user`` holds a seat today (no query once roles load)."""
    return set(org_perms.body_roles(user))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if has_bad_text(name):
        raise ValidationError(
            {"name": gettext("The text holds characters that cannot be stored.")}
        )
    if len(name) > NAME_MAX:
        raise ValidationError(
            {
                "name": gettext("Keep the name under %(max)s characters.")
                % {"max": NAME_MAX}
            }
        )
    return name


def _new_feed(*, owner, body, name: str) -> tuple[FeedToken, str]:
    raw = FeedToken.generate_raw()
    feed = FeedToken.objects.create(
        owner=owner,
        body=body,
        name=name,
        prefix=raw[: FeedToken.PREFIX_LEN],
        key_hash=hash_token(raw),
    )
    return feed, raw


@transaction.atomic
def feed_create(*, actor, body=None, name: str = "") -> tuple[FeedToken, str]:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied
    name = _clean_name(name)
    if body is not None and body.pk not in seat_body_ids(actor):
        raise PermissionDenied
    active = FeedToken.objects.filter(owner=actor, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_FEEDS:
        raise ValidationError(
            {
                "__all__": gettext(
                    "You already have %(max)s active feeds. Revoke one you no "
                    "longer use first."
                )
                % {"max": MAX_ACTIVE_FEEDS}
            }
        )
    feed, raw = _new_feed(owner=actor, body=body, name=name)
    audit_record(
        actor=actor,
        action="calendars.feed_create",
        target=feed,
        changes={
            "name": feed.name,
            "body": str(body) if body is not None else "",
            "prefix": feed.prefix,
        },
    )
    return feed, raw


def _check_owner(actor, feed: FeedToken) -> None:
    if actor.pk != feed.owner_id and not org_perms.is_admin(actor):
        raise PermissionDenied


def _revoke(*, actor, feed: FeedToken, replaced_by: FeedToken | None = None):
    feed = FeedToken.objects.select_for_update().get(pk=feed.pk)
    if feed.revoked_at is not None:
        return feed
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    changes = {"revoked_at": {"before": None, "after": feed.revoked_at}}
    if replaced_by is not None:
        changes["replaced_by"] = replaced_by.prefix
    audit_record(
        actor=actor, action="calendars.feed_revoke", target=feed, changes=changes
    )
    return feed


@transaction.atomic
def feed_revoke(*, actor, feed: FeedToken) -> FeedToken:
    _check_owner(actor, feed)
    return _revoke(actor=actor, feed=feed)


@transaction.atomic
def feed_regenerate(*, actor, feed: FeedToken) -> tuple[FeedToken, str]:
    """A new secret for ``feed``: the old URL stops working at once."""
    _check_owner(actor, feed)
    locked = FeedToken.objects.select_for_update().get(pk=feed.pk)
    if locked.revoked_at is not None:
        raise ValidationError(
            {"__all__": gettext("This feed was revoked; create a new one.")}
        )
    if locked.body_id is not None and locked.body_id not in seat_body_ids(locked.owner):
        raise PermissionDenied
    new, raw = _new_feed(owner=locked.owner, body=locked.body, name=locked.name)
    audit_record(
        actor=actor,
        action="calendars.feed_create",
        target=new,
        changes={
            "name": new.name,
            "body": str(new.body) if new.body_id else "",
            "prefix": new.prefix,
            "replaces_feed": locked.prefix,
        },
    )
    _revoke(actor=actor, feed=locked, replaced_by=new)
    return new, raw


def feed_resolve(raw: str) -> FeedToken | None:
    """The active feed of the secret ``raw``, or None (unknown, revoked, its
    owner deactivated, or a body feed whose owner has no seat there now)."""
    if not raw or len(raw) > 200 or has_bad_text(raw):
        return None
    feed = (
        FeedToken.objects.select_related("owner", "body")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.owner.is_active:
        return None
    if feed.body_id is not None and feed.body_id not in seat_body_ids(feed.owner):
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= USE_RECORD_EVERY:
        FeedToken.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return feed
