"""Version stamps: exact caches of derived figures, shared by every process.

A stamp is a token per name (``"tasks"``, ``"registry"``, ``"proposals"``,
``"seats"``, ``"reports"``, ``"paperwork"``: ``NAMES``) kept in one database
row (``core.models.VersionStamp``). Whatever writes data a cache
depends on calls ``bump(name)``; a cache key holds the stamps read *before*
the figures are computed, so an entry is never read after a write committed:

- ``bump(*names)``: replaces the tokens when the current transaction commits
  (``transaction.on_commit``; at once outside a transaction). Several bumps of
  the same names in one transaction write once. The new token is random, not
  an increment: a database restored from a backup, or a row rolled back,
  never brings back a token an entry was stored under for other data.
- ``bump_on_write(name, *models)``: ``bump(name)`` on every ``save()``,
  ``delete()`` and many-to-many change of those models (signals). Queryset
  writes (``update()``, ``bulk_create()``, raw SQL) send no signal: their
  callers call ``bump`` themselves.
- ``read(*names) -> tuple[int, ...]``: the current tokens, one query (0 for
  a name never bumped). Inside ``request_scope()`` (every request, by
  ``core.middleware.RequestContextMiddleware``) every stamp is read once per
  request and kept for it: a page that reads the stamps for its counts, its
  options and its badge pays one query, not three. A bump this process
  commits during the request updates the kept token. A signed-in request
  reads them with its user (``AllTokens``, ``prime``): no query at all.
- ``cached(prefix, parts, compute, *, stamps, seconds)``: ``compute()``
  cached in Django's cache under ``prefix``, a hash of ``parts`` and the
  stamps; ``seconds <= 0`` computes every time and reads no stamp.
- ``rendered(prefix, parts, render, *, stamps, seconds)``: ``cached`` for
  HTML made for everyone with the same ``parts`` (a visible scope, filters,
  a date): the key adds the language (labels, numbers) and the script
  prefix (links). ``render`` must not read the request (no token, no user).
- ``peek(prefix, parts, *, stamps, seconds)``: what ``cached`` would return
  if it is already stored, else ``None``, computing nothing: a page shows a
  figure at once when it is ready and defers it to its own request when not.
- ``memo(prefix, parts, compute, *, stamps, size)``: the same in a dictionary of
  this process (no pickling: for values read on every page, such as the
  registry's select options); entries of older stamps are dropped.

Why a database row: the default cache is local memory, one per gunicorn
worker, so a bump made in one worker would not be seen by the others. The
row costs one primary-key look-up per use (about 0.1 ms on SQLite,
``bench/counts_bench.py``); when ``CACHES`` is a shared Redis the cached
values are shared too, and the stamp stays in the database, the one place
written in the same transaction's commit as the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Func, TextField
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import get_script_prefix
from django.utils.translation import get_language

TASKS = "tasks"
REGISTRY = "registry"
PROPOSALS = "proposals"
# Everyone's memberships and active flags (who acts for a party: org.cache).
SEATS = "seats"
# The periodic reports' contributions and their requests (reports.cache).
REPORTS = "reports"
# Papers and their deliveries (paperwork.cache).
PAPERWORK = "paperwork"
NAMES = (TASKS, REGISTRY, PROPOSALS, SEATS, REPORTS, PAPERWORK)

# The tokens read during the current request (``request_scope``); None
# outside a request (jobs, commands, direct calls): read every time.
_request_tokens: ContextVar[dict[str, int] | None] = ContextVar(
    "stamp_tokens", default=None
)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Read each stamp at most once until the block ends (one request)."""
    token = _request_tokens.set({})
    try:
        yield
    finally:
        _request_tokens.reset(token)


def _new_token() -> int:
    return secrets.randbits(62) + 1


def _apply(names: tuple[str, ...]) -> None:
    from .models import VersionStamp

    for name in names:
        token = _new_token()
        kept = _request_tokens.get()
        if kept is not None:
            kept[name] = token
        if VersionStamp.objects.filter(name=name).update(value=token):
            continue
        try:
            with transaction.atomic():
                VersionStamp.objects.create(name=name, value=token)
        except IntegrityError:  # created meanwhile by another process
            VersionStamp.objects.filter(name=name).update(value=token)


def bump(*names: str, using: str | None = None) -> None:
    """Replace the tokens of ``names`` when the transaction commits."""
    names = tuple(sorted(set(names)))
    if not names:
        return
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        # Once per transaction: a hook still pending (not dropped by a
        # savepoint rollback) for the same names will do.
        for _sids, func, _robust in connection.run_on_commit:
            if getattr(func, "stamp_names", None) == names and not func.done:
                return

    def hook() -> None:
        hook.done = True
        _apply(names)

    hook.stamp_names = names
    hook.done = False
    transaction.on_commit(hook, using=using)


def bump_on_write(name: str, *models) -> None:
    """Bump ``name`` on each save, delete and many-to-many change of
    ``models`` (an auto-created ``through`` model counts its owner's
    ``m2m_changed``)."""

    def on_write(sender, using=None, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: no stamp table guaranteed yet
            return
        action = kwargs.get("action")
        if action is not None and not action.startswith("post_"):
            return
        bump(name, using=using)

    for model in models:
        uid = f"core.cache:{name}:{model._meta.label}"
        if model._meta.auto_created:
            m2m_changed.connect(on_write, sender=model, weak=False, dispatch_uid=uid)
        else:
            post_save.connect(on_write, sender=model, weak=False, dispatch_uid=uid)
            post_delete.connect(
                on_write, sender=model, weak=False, dispatch_uid=uid + ":del"
            )


class WriteCounter:
    """Writes of some data made by this process so far. A value loaded with
    the request's user (``core.auth.register_user_annotation``) keeps the
    count it was loaded at and is used only while it is unchanged: a write
    later in the same request makes it read afresh. ``watch`` counts the
    saves and deletes of models; other writers call ``add``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def add(self, *args, **kwargs) -> None:
        self.count += 1

    def watch(self, *models) -> None:
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(
                    self.add,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"core.cache:written:{self.name}:"
                    f"{model._meta.label}:{signal is post_save}",
                )


def read(*names: str) -> tuple[int, ...]:
    from .models import VersionStamp

    if not names:  # a memo that no write invalidates (``{% remember %}``)
        return ()
    kept = _request_tokens.get()
    if kept is not None and all(name in kept for name in names):
        return tuple(kept[name] for name in names)
    # In a request, every stamp in the one query: the next reader is free.
    wanted = tuple({*names, *NAMES}) if kept is not None else names
    found = dict(
        VersionStamp.objects.filter(name__in=wanted).values_list("name", "value")
    )
    if kept is not None:
        kept.update({name: found.get(name, 0) for name in wanted})
    return tuple(found.get(name, 0) for name in names)


class AllTokens(Func):
    """Every stamp's token as one text value (``"name:token,..."``), for a
    query the request makes anyway: the user's (``core.auth``) carries it,
    and ``prime`` keeps the tokens for the request, so a page's stamps cost
    no query of their own. Read at the user's load, before any figure of
    the request is computed, they key its caches as ``read`` would."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):
        from .models import VersionStamp

        table = connection.ops.quote_name(VersionStamp._meta.db_table)
        joined = "name || ':' || value"
        if connection.vendor == "postgresql":
            aggregate = f"STRING_AGG({joined}, ',')"
        else:
            aggregate = f"GROUP_CONCAT({joined}, ',')"
        # The model's own table name, quoted; no value of anyone's.
        return f"(SELECT {aggregate} FROM {table})", []  # noqa: S608  # nosec B608


def prime(joined: str | None) -> None:
    """Keep for the current request the tokens ``AllTokens`` gave (every
    name of ``NAMES``; 0 for one with no row), unless already read."""
    kept = _request_tokens.get()
    if kept is None:
        return
    found = {}
    for part in (joined or "").split(","):
        name, _sep, value = part.partition(":")
        if name and value:
            found[name] = int(value)
    for name in NAMES:
        kept.setdefault(name, found.get(name, 0))


def _key(prefix: str, parts, stamps: Iterable[int]) -> str:
    data = repr((tuple(stamps), parts)).encode()
    return f"{prefix}:{hashlib.sha256(data).hexdigest()}"


def cached(
    prefix: str,
    parts,
    compute: Callable[[], object],
    *,
    stamps: Iterable[str],
    seconds: int,
):
    """``compute()``, cached while the stamps stay (at most ``seconds``).

    The stamps are read first: figures computed after a concurrent write are
    only ever stored under the stamps it replaces, never read again."""
    if seconds <= 0:
        return compute()
    key = _key(prefix, parts, read(*stamps))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def rendered(
    prefix: str,
    parts: tuple,
    render: Callable[[], object],
    *,
    stamps: Iterable[str],
    seconds: int,
):
    """``render()``, HTML shared by everyone with the same ``parts``, per
    language and script prefix."""
    return cached(
        prefix,
        (*parts, get_language(), get_script_prefix()),
        render,
        stamps=stamps,
        seconds=seconds,
    )


def peek(prefix: str, parts, *, stamps: Iterable[str], seconds: int):
    """The value ``cached`` holds for these arguments, or None (computing
    nothing; None also when the cache is off)."""
    if seconds <= 0:
        return None
    return cache.get(_key(prefix, parts, read(*stamps)))


_memo: dict[str, tuple[tuple, dict]] = {}
_memo_lock = threading.Lock()
MEMO_SIZE = 32


def memo(
    prefix: str,
    parts,
    compute: Callable[[], object],
    *,
    stamps: Iterable[str],
    size: int = MEMO_SIZE,
):
    """``compute()`` kept in this process until one of the stamps changes
    (at most ``size`` entries per prefix, e.g. one per language)."""
    stamps = tuple(stamps)
    current = read(*stamps)
    with _memo_lock:
        seen, entries = _memo.get(prefix, (None, {}))
        if seen != current:
            entries = {}
            _memo[prefix] = (current, entries)
        if parts in entries:
            return entries[parts]
    value = compute()
    with _memo_lock:
        seen, entries = _memo.get(prefix, (None, {}))
        if seen == current:
            if len(entries) >= size:
                entries.clear()
            entries[parts] = value
    return value


def clear_memo() -> None:
    with _memo_lock:
        _memo.clear()
