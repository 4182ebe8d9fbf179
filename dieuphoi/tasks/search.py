"""Free text over ``Task.search_text``, through an index made for it.

The semantics are those of the plain scan, on both databases: a task
matches when the folded needle (``docs.models.fold``: case-folded NFC with
single spaces) is a substring of its ``search_text`` (the folded code, title
and latest update, and the same without diacritics: ``Task.search_text_of``).
Several words are one substring, as typed ("vanh dai 4" does not match
"vành đai ... 4"); the same on SQLite and PostgreSQL.

- SQLite (3.34 or later): the FTS5 table ``tasks_task_fts`` with the
  ``trigram`` tokenizer, ``case_sensitive 1``, external content over
  ``tasks_task.search_text``, kept in step by triggers (migration
  ``0010_free_text_index``), so ``bulk_create``, ``.update()`` and the raw
  inserts of ``seed_scale`` are indexed too. A needle of three characters or
  more is one FTS5 phrase, matched as ``id IN (SELECT rowid ... MATCH ?)``:
  the trigram tokenizer makes a phrase of consecutive trigrams, which is
  exactly a substring, and ``case_sensitive 1`` leaves the comparison to the
  folding already done in Python, so no re-check is needed. Shorter needles
  have no trigram, and FTS5 answers nothing for them: they keep the plain
  ``LIKE`` (such needles match a large share of the tasks anyway, so the
  sorted, limited list stops early). So do needles that match 2,000 tasks
  or more (``dense``: one probe of the index, remembered per process).
- PostgreSQL: a GIN ``gin_trgm_ops`` index on ``search_text`` (extension
  ``pg_trgm``) serves Django's own ``search_text::text LIKE '%needle%'``
  (the cast from text to text is dropped by the planner, so the index
  matches); the heap re-check keeps the result exact. Without the index (the
  extension could not be created) the same ``LIKE`` scans.

``settings.TASKS_FREE_TEXT_INDEX = False`` turns the SQLite index off (the
benchmark's "before"); PostgreSQL needs no switch, its query is the same.

When a migration of ``tasks_task`` remakes the table on SQLite (Django does
for most ``AlterField``), the table's triggers are dropped with the old
table: ``ensure_sqlite_index`` (run after every ``migrate``) puts them back
and rebuilds the index, and until then ``sqlite_index_ready`` is false and
the plain ``LIKE`` answers.
"""

from __future__ import annotations

import logging
import re
import sqlite3

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import F, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.lookups import Contains
from django.db.models.signals import post_migrate

log = logging.getLogger(__name__)

TABLE = "tasks_task"
FTS_TABLE = "tasks_task_fts"
TRIGGERS = ("tasks_task_fts_ai", "tasks_task_fts_ad", "tasks_task_fts_au")
# FTS5's trigram tokenizer (and its case_sensitive option) came in 3.34.0.
TRIGRAM_SINCE = (3, 34, 0)
# A trigram needs three characters; FTS5 matches nothing on shorter needles.
MIN_INDEXED = 3

# Literal SQL (the names are the constants above): what the migration runs.
CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS tasks_task_fts USING fts5("
    "search_text, content='tasks_task', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')"
)
CREATE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS tasks_task_fts_ai AFTER INSERT ON tasks_task "
    "BEGIN INSERT INTO tasks_task_fts(rowid, search_text) "
    "VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS tasks_task_fts_ad AFTER DELETE ON tasks_task "
    "BEGIN INSERT INTO tasks_task_fts(tasks_task_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    # Only when the text (or the id) changes: a save() rewrites every column.
    "CREATE TRIGGER IF NOT EXISTS tasks_task_fts_au "
    "AFTER UPDATE OF id, search_text ON tasks_task "
    "WHEN old.search_text IS NOT new.search_text OR old.id != new.id "
    "BEGIN INSERT INTO tasks_task_fts(tasks_task_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO tasks_task_fts(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
)
REBUILD = "INSERT INTO tasks_task_fts(tasks_task_fts) VALUES ('rebuild')"
DROP = (
    "DROP TRIGGER IF EXISTS tasks_task_fts_ai",
    "DROP TRIGGER IF EXISTS tasks_task_fts_ad",
    "DROP TRIGGER IF EXISTS tasks_task_fts_au",
    "DROP TABLE IF EXISTS tasks_task_fts",
)
MATCH = "SELECT rowid FROM tasks_task_fts WHERE tasks_task_fts MATCH %s"
PROBE = (
    "SELECT count(*) FROM (SELECT 1 FROM tasks_task_fts "
    "WHERE tasks_task_fts MATCH %s LIMIT %s)"
)
# From this many matches on, the plain LIKE serves the sorted list faster.
DENSE = 2000
DENSE_CACHE = 1024

PG_INDEX = "tasks_task_search_trgm"
PG_CREATE = (
    "CREATE INDEX IF NOT EXISTS tasks_task_search_trgm ON tasks_task "
    "USING gin (search_text gin_trgm_ops)"
)
PG_DROP = "DROP INDEX IF EXISTS tasks_task_search_trgm"

# (alias, database name) -> whether the FTS table and its triggers are there.
_ready: dict[tuple[str, str], bool] = {}
# (alias, database name, needle) -> dense (see ``dense``).
_dense: dict[tuple[str, str, str], bool] = {}


def trigram_available() -> bool:
    return sqlite3.sqlite_version_info >= TRIGRAM_SINCE


def _sqlite_objects(raw) -> set[str]:
    names = (FTS_TABLE, *TRIGGERS)
    marks = ", ".join("?" * len(names))
    rows = raw.execute(
        f"SELECT name FROM sqlite_master WHERE name IN ({marks})",  # noqa: S608 - fixed names  # nosec B608
        names,
    ).fetchall()
    return {name for (name,) in rows}


def sqlite_index_ready(alias: str = "default") -> bool:
    """The FTS table and its three triggers exist (checked once per process
    and database, on the raw connection: not one of the request's queries)."""
    connection = connections[alias]
    key = (alias, str(connection.settings_dict["NAME"]))
    ready = _ready.get(key)
    if ready is None:
        connection.ensure_connection()
        found = _sqlite_objects(connection.connection)
        ready = trigram_available() and found == {FTS_TABLE, *TRIGGERS}
        _ready[key] = ready
    return ready


def forget() -> None:
    """Check again on the next search (after creating or dropping the index)."""
    _ready.clear()
    _dense.clear()


def fts_phrase(needle: str) -> str:
    """``needle`` as one FTS5 string: double quotes doubled, nothing else is
    syntax inside a string (``%``, ``_``, ``*``, ``:``, ``-`` are text)."""
    return '"' + needle.replace('"', '""') + '"'


def indexed(needle: str, alias: str = "default") -> bool:
    """Whether the SQLite index answers for ``needle`` (already folded)."""
    return (
        getattr(settings, "TASKS_FREE_TEXT_INDEX", True)
        and connections[alias].vendor == "sqlite"
        and len(needle) >= MIN_INDEXED
        # NUL ends a C string: leave such input to LIKE.
        and "\x00" not in needle
        and sqlite_index_ready(alias)
    )


def dense(needle: str, alias: str = "default") -> bool:
    """Whether ``needle`` matches ``DENSE`` tasks or more (SQLite index).

    The index answers a rare needle in a few milliseconds, but a common one
    ("du an": 80,000 of 200,000 tasks) costs a row look-up per match and a
    sort before the first page shows (~150 ms), where the plain ``LIKE``
    walking the list's sort index stops after a few hundred rows. One
    probe (stopped at ``DENSE`` matches: 1-8 ms) decides; the answer is kept
    per process (``_dense``, bounded), so the counts strip that follows the
    page does not probe again. Either way the result is the same; only the
    plan differs.
    """
    key = (alias, str(connections[alias].settings_dict["NAME"]), needle)
    found = _dense.get(key)
    if found is None:
        with connections[alias].cursor() as cursor:
            cursor.execute(PROBE, [fts_phrase(needle), DENSE])
            found = cursor.fetchone()[0] >= DENSE
        if len(_dense) >= DENSE_CACHE:
            _dense.clear()
        _dense[key] = found
    return found


_WORD = re.compile(r"[^\W_]{3,}")


def trigram_selective(needle: str) -> bool:
    """Whether pg_trgm's index narrows ``needle`` down: a word of three
    letters or digits or more. Shorter words give only padded trigrams
    ("  a", " b "), which most tasks have: the index then finds most of the
    table and re-checks it, slower than the scan that walks the list's sort
    index and stops after the first page."""
    return bool(_WORD.search(needle))


def search_text_q(needle: str, alias: str = "default") -> Q:
    """Tasks whose ``search_text`` contains ``needle`` (already ``fold``-ed)."""
    if indexed(needle, alias) and not dense(needle, alias):
        # A literal statement; the user's text is the one parameter.
        return Q(pk__in=RawSQL(MATCH, [fts_phrase(needle)]))  # noqa: S611  # nosec B611
    if connections[alias].vendor == "postgresql" and not trigram_selective(needle):
        # The same substring over an expression the GIN index does not
        # cover, so the planner scans (Django still escapes %, _ and \).
        column = Concat(F("search_text"), Value(""), output_field=TextField())
        return Q(Contains(column, needle))
    # Django escapes %, _ and \ in the needle (LIKE ... ESCAPE '\' on SQLite,
    # PostgreSQL's default escape character): a plain substring.
    return Q(search_text__contains=needle)


# --- schema: the migration and the repair after ``migrate`` ----------------------


def create_index(schema_editor) -> None:
    """The migration's forward step, on whichever database it runs."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        if not trigram_available():
            log.warning(
                "SQLite %s has no FTS5 trigram tokenizer (3.34+): free text scans",
                sqlite3.sqlite_version,
            )
            return
        schema_editor.execute(CREATE_TABLE)
        for sql in CREATE_TRIGGERS:
            schema_editor.execute(sql)
        schema_editor.execute(REBUILD)
    elif vendor == "postgresql":
        _pg_create(schema_editor)
    forget()


def drop_index(schema_editor) -> None:
    """The migration's backward step."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in DROP:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    forget()


def _pg_create(schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT installed_version IS NOT NULL FROM pg_available_extensions "
            "WHERE name = 'pg_trgm'"
        )
        row = cursor.fetchone()
    if row is None:
        log.warning("pg_trgm is not available: free text scans")
        return
    if not row[0]:
        # A savepoint, so a refusal (not a superuser, not trusted) leaves the
        # migration's transaction usable.
        cursor = connection.cursor()
        cursor.execute("SAVEPOINT pg_trgm_create")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            cursor.execute("ROLLBACK TO SAVEPOINT pg_trgm_create")
            log.warning("CREATE EXTENSION pg_trgm refused (%s): free text scans", error)
            return
        finally:
            cursor.close()
    schema_editor.execute(PG_CREATE)


def ensure_sqlite_index(using: str = "default") -> bool:
    """Put back what a table remake dropped; ``True`` when it rebuilt.

    Only where the migration made the index (the FTS table exists): a
    database migrated without it, or rolled back, is left alone.
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or not trigram_available():
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
            [FTS_TABLE, *TRIGGERS],
        )
        found = {name for (name,) in cursor.fetchall()}
        if FTS_TABLE not in found or found == {FTS_TABLE, *TRIGGERS}:
            return False
        log.warning("tasks_task_fts: triggers missing, recreating and rebuilding")
        for sql in CREATE_TRIGGERS:
            cursor.execute(sql)
        cursor.execute(REBUILD)
    forget()
    return True


def _after_migrate(sender, using="default", **kwargs) -> None:
    if getattr(sender, "label", None) == "tasks":
        ensure_sqlite_index(using)


def connect() -> None:
    """From ``TasksConfig.ready()``: after every ``migrate``, put back the
    SQLite index's triggers a table rebuild may have dropped."""
    post_migrate.connect(_after_migrate, dispatch_uid="tasks.search.after_migrate")
