"""Backups of the database and the uploaded files, and their restore.

A backup is one directory ``<BACKUP_DIR>/dieuphoi-<UTC time>/`` holding

- ``database.sqlite3`` (SQLite, taken with the online backup API: a
  consistent copy while the site runs, triggers included) or
  ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``);
- ``media/``: a copy of every uploaded file (the default storage's location);
- ``manifest.json``: when, which database, the application's version and
  applied migrations, the row count and a checksum of every table (its rows
  ordered by primary key), and the SHA-256 of the dump and of every file.

On PostgreSQL the dump and the table checksums come from one snapshot
(``pg_export_snapshot`` + ``pg_dump --snapshot``), so the manifest describes
exactly what the dump holds. The database is copied before the files: every
file a backed-up row names is in the backup unless it was deleted meanwhile.

A backup is written under a temporary name and renamed when complete, so a
half-written one never counts; after it, only the newest ``keep`` backups are
kept. A restore verifies every checksum first, refuses a database or a media
folder that is not empty, then restores and compares every table's checksum
with the manifest.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import connections

FORMAT = 1
NAME_PREFIX = "dieuphoi-"
NAME_RE = re.compile(r"^dieuphoi-\d{8}T\d{6}Z(-\d+)?$")
MANIFEST = "manifest.json"
SQLITE_DUMP = "database.sqlite3"
PG_DUMP = "database.pgdump"
MEDIA_DIR = "media"
CHUNK = 1024 * 1024
FETCH_ROWS = 2000
# Connection settings passed on to libpq (psycopg and the pg_* tools).
PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup cannot be made, verified or restored; the message says why."""


# -- databases ----------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """Where a database is: a SQLite file, or a PostgreSQL database."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        engine = settings_dict["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls(vendor="sqlite", name=str(settings_dict["NAME"]))
        if engine.endswith("postgresql"):
            raw = settings_dict.get("OPTIONS") or {}
            options = tuple(
                (key, str(raw[key])) for key in PG_OPTION_ENV if raw.get(key)
            )
            return cls(
                vendor="postgresql",
                name=str(settings_dict["NAME"]),
                host=str(settings_dict.get("HOST") or ""),
                port=str(settings_dict.get("PORT") or ""),
                user=str(settings_dict.get("USER") or ""),
                password=str(settings_dict.get("PASSWORD") or ""),
                options=options,
            )
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")

    def with_name(self, name: str) -> Database:
        return Database(**{**self.__dict__, "name": name})

    # PostgreSQL
    def connect_kwargs(self) -> dict[str, str]:
        kwargs = {"dbname": self.name}
        for key in ("host", "port", "user", "password"):
            if getattr(self, key):
                kwargs[key] = getattr(self, key)
        kwargs.update(dict(self.options))
        return kwargs

    def tool_env(self) -> dict[str, str]:
        """The environment for pg_dump/pg_restore: the password never goes on
        a command line, where other users could read it."""
        env = dict(os.environ)
        for key, var in (
            ("host", "PGHOST"),
            ("port", "PGPORT"),
            ("user", "PGUSER"),
            ("password", "PGPASSWORD"),
        ):
            if getattr(self, key):
                env[var] = getattr(self, key)
        for key, value in self.options:
            env[PG_OPTION_ENV[key]] = value
        env["PGDATABASE"] = self.name
        return env

    def pg_connect(self, **extra):
        import psycopg

        conn = psycopg.connect(**self.connect_kwargs(), **extra)
        return conn


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"hex": bytes(value).hex()}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    return repr(value)


def _digest_rows(rows: Iterable[tuple]) -> dict[str, Any]:
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        line = json.dumps(
            list(row),
            default=_encode,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest.update(line.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
        count += 1
    return {"rows": count, "sha256": digest.hexdigest()}


def _sqlite_fetch(cursor: sqlite3.Cursor) -> Iterator[tuple]:
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield from rows


def sqlite_table_digests(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Row count and checksum of every table (rows in primary key order)."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    result = {}
    for table in tables:
        columns = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        pk = [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5] > 0]
        order = ", ".join(_quote(c) for c in (pk or [c[1] for c in columns]))
        cursor = conn.execute(
            f"SELECT * FROM {_quote(table)} ORDER BY {order}"  # noqa: S608 - quoted identifiers from sqlite_master  # nosec B608
        )
        result[table] = _digest_rows(_sqlite_fetch(cursor))
    return result


def pg_table_digests(conn) -> dict[str, dict[str, Any]]:
    """As :func:`sqlite_table_digests`, inside ``conn``'s open transaction
    (a server-side cursor per table, so a large table is not held in memory)."""
    from psycopg import sql

    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_remove(array_agg(a.attname ORDER BY k.n), NULL)"
            " FROM pg_class c"
            " JOIN pg_namespace ns ON ns.oid = c.relnamespace"
            " LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary"
            " LEFT JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
            "   ON true"
            " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
            " WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p')"
            " GROUP BY c.relname ORDER BY c.relname"
        )
        tables = cursor.fetchall()
    result = {}
    for table, pk in tables:
        if pk:
            order = sql.SQL(", ").join(sql.Identifier(c) for c in pk)
        else:
            order = sql.SQL("t::text")
        query = sql.SQL("SELECT * FROM {} AS t ORDER BY {}").format(
            sql.Identifier(table), order
        )
        with conn.cursor(name=f"digest_{uuid.uuid4().hex}") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(query)
            result[table] = _digest_rows(cursor)
    return result


def database_is_empty(target: Database) -> bool:
    if target.vendor == "sqlite":
        path = Path(target.name)
        if not path.exists() or path.stat().st_size == 0:
            return True
        with _sqlite_readonly(path) as conn:
            row = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
            ).fetchone()
        return row[0] == 0
    with target.pg_connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c"
            " JOIN pg_namespace ns ON ns.oid = c.relnamespace"
            " WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND ns.nspname NOT LIKE 'pg\\_toast%'"
            " AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        )
        return cursor.fetchone()[0] == 0


def database_digests(target: Database) -> dict[str, dict[str, Any]]:
    """Every table's row count and checksum in ``target`` (for comparing a
    restored database with its manifest, or two databases with each other)."""
    if target.vendor == "sqlite":
        with _sqlite_readonly(Path(target.name)) as conn:
            return sqlite_table_digests(conn)
    with target.pg_connect() as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute("SET statement_timeout = 0")
        return pg_table_digests(conn)


class _sqlite_readonly:
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        return self.conn

    def __exit__(self, *exc) -> None:
        self.conn.close()


# -- files --------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    """Every regular file under ``root`` (symbolic links are not followed)."""
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def media_digests(root: Path) -> dict[str, dict[str, Any]]:
    return {
        path.relative_to(root).as_posix(): {
            "size": path.stat().st_size,
            "sha256": file_sha256(path),
        }
        for path in media_files(root)
    }


def _copy_hashing(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` and return the size and SHA-256 of the
    bytes written (one read of the source, so a file changing meanwhile is
    described as it was copied)."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with source.open("rb") as src, target.open("xb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    target.chmod(0o600)
    return size, digest.hexdigest()


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"Unsafe file name in the manifest: {name!r}.")
    return path


# -- PostgreSQL tools -----------------------------------------------------------


def pg_tool(name: str, server_major: int | None = None) -> str:
    """The absolute path of ``pg_dump``/``pg_restore``: Debian's binary for the
    server's major version when installed, else the one on PATH."""
    if server_major:
        versioned = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
        if versioned.exists():
            return str(versioned)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client "
            f"(apt-get install postgresql-client-{server_major or 15})."
        )
    return found


def tool_version(path: str) -> tuple[str, int]:
    out = subprocess.run(  # noqa: S603 - absolute tool path, fixed argv  # nosec B603
        [path, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    if not match:
        raise BackupError(f"Cannot read the version of {path}: {out!r}.")
    return out, int(match.group(1))


def _run_tool(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - absolute tool path, argv list, no shell  # nosec B603
        argv, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{what} failed ({result.returncode}): {result.stderr.strip()}"
        )


# -- making a backup ------------------------------------------------------------


def app_version() -> str:
    try:
        return metadata.version("dieuphoi")
    except metadata.PackageNotFoundError:
        return "unknown"


def _applied_migrations(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _new_backup_name(backup_dir: Path, now: datetime.datetime) -> str:
    base = NAME_PREFIX + now.strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 1
    while (backup_dir / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _backup_sqlite(using: str, work: Path) -> dict[str, Any]:
    connection = connections[using]
    connection.ensure_connection()
    dump = work / SQLITE_DUMP
    target = sqlite3.connect(dump)
    try:
        # One step (pages=-1): a consistent snapshot, writers go on in WAL mode.
        connection.connection.backup(target)
        # The copy is self-contained: no -wal/-shm files beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        check = target.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copied database fails its check: {check}.")
        tables = sqlite_table_digests(target)
        migrations = _applied_migrations(
            target.execute("SELECT app, name FROM django_migrations")
        )
        version = target.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        target.close()
    dump.chmod(0o600)
    return {
        "database": {
            "vendor": "sqlite",
            "file": SQLITE_DUMP,
            "server_version": f"SQLite {version}",
            "tool": "sqlite3.Connection.backup",
        },
        "tables": tables,
        "migrations": migrations,
    }


def _backup_postgresql(using: str, work: Path) -> dict[str, Any]:
    source = Database.from_settings(connections[using].settings_dict)
    dump = work / PG_DUMP
    with source.pg_connect() as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute("SET statement_timeout = 0")
        server_version = conn.execute("SHOW server_version").fetchone()[0]
        server_major = conn.info.server_version // 10000
        tool = pg_tool("pg_dump", server_major)
        tool_text, tool_major = tool_version(tool)
        if tool_major < server_major:
            raise BackupError(
                f"{tool} is {tool_text}, older than the server ({server_version}): "
                f"install postgresql-client-{server_major}."
            )
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run_tool(
            [
                tool,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                "--no-password",
                f"--dbname={source.name}",
            ],
            source.tool_env(),
            "pg_dump",
        )
        tables = pg_table_digests(conn)
        migrations = _applied_migrations(
            conn.execute("SELECT app, name FROM django_migrations").fetchall()
        )
    dump.chmod(0o600)
    return {
        "database": {
            "vendor": "postgresql",
            "file": PG_DUMP,
            "server_version": f"PostgreSQL {server_version}",
            "tool": tool_text,
        },
        "tables": tables,
        "migrations": migrations,
    }


def _copy_media(media_root: Path, work: Path) -> dict[str, dict[str, Any]]:
    files = {}
    for path in media_files(media_root):
        relative = path.relative_to(media_root).as_posix()
        size, sha256 = _copy_hashing(path, work / MEDIA_DIR / relative)
        files[relative] = {"size": size, "sha256": sha256}
    return files


def backup_list(backup_dir: Path) -> list[Path]:
    """Complete backups in ``backup_dir``, oldest first."""
    if not backup_dir.is_dir():
        return []
    return sorted(
        (
            path
            for path in backup_dir.iterdir()
            if path.is_dir() and NAME_RE.match(path.name) and (path / MANIFEST).exists()
        ),
        key=lambda path: (
            path.name[: len(NAME_PREFIX) + 16],
            int(path.name.rsplit("-", 1)[1]) if path.name.count("-") > 1 else 1,
        ),
    )


def backup_rotate(backup_dir: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups (and the remains
    of interrupted ones); return what was deleted."""
    if keep < 1:
        raise BackupError("At least one backup must be kept.")
    removed = backup_list(backup_dir)[:-keep]
    if backup_dir.is_dir():
        removed += [p for p in backup_dir.iterdir() if p.name.startswith(".partial-")]
    for path in removed:
        shutil.rmtree(path)
    return removed


def backup_create(
    *,
    backup_dir: Path,
    media_root: Path,
    keep: int,
    using: str = "default",
    now: datetime.datetime | None = None,
) -> Path:
    """Write a complete backup into ``backup_dir``, rotate, return its path."""
    now = now or datetime.datetime.now(datetime.UTC)
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = _new_backup_name(backup_dir, now)
    work = backup_dir / f".partial-{name}"
    work.mkdir(mode=0o700)
    try:
        vendor = connections[using].vendor
        if vendor == "sqlite":
            described = _backup_sqlite(using, work)
        elif vendor == "postgresql":
            described = _backup_postgresql(using, work)
        else:
            raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
        dump = work / described["database"]["file"]
        described["database"]["size"] = dump.stat().st_size
        described["database"]["sha256"] = file_sha256(dump)
        files = _copy_media(media_root, work)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "app": {"name": "dieuphoi", "version": app_version()},
            **described,
            "files": files,
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (work / MANIFEST).chmod(0o600)
        final = backup_dir / name
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    backup_rotate(backup_dir, keep=keep)
    return final


# -- verifying and restoring ---------------------------------------------------


def resolve_backup(name: str, backup_dir: Path) -> Path:
    """A backup named by its path, or by its name in ``backup_dir``, or
    ``latest``."""
    if name == "latest":
        found = backup_list(backup_dir)
        if not found:
            raise BackupError(f"No backup in {backup_dir}.")
        return found[-1]
    path = Path(name)
    if not path.is_dir() and (backup_dir / name).is_dir():
        path = backup_dir / name
    if not (path / MANIFEST).is_file():
        raise BackupError(f"{name} is not a backup (no {MANIFEST} in it).")
    return path


def backup_verify(path: Path) -> dict[str, Any]:
    """Check the dump and every file against the manifest; return the
    manifest. Raises :class:`BackupError` naming each difference."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"Cannot read {path / MANIFEST}: {exc}.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    problems = []
    database = manifest["database"]
    dump = path / _safe_relative(database["file"])
    if not dump.is_file():
        problems.append(f"missing {database['file']}")
    elif file_sha256(dump) != database["sha256"]:
        problems.append(f"{database['file']}: checksum differs")
    for name, info in manifest["files"].items():
        stored = path / MEDIA_DIR / _safe_relative(name)
        if not stored.is_file():
            problems.append(f"missing file {name}")
        elif (
            stored.stat().st_size != info["size"]
            or file_sha256(stored) != info["sha256"]
        ):
            problems.append(f"file {name}: checksum differs")
    listed = set(manifest["files"])
    extra = [n for n in media_digests(path / MEDIA_DIR) if n not in listed]
    problems += [f"file {name} is not in the manifest" for name in extra]
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise BackupError(f"Backup {path.name} is damaged: {shown}{more}.")
    return manifest


def migrations_compare(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(migrations in the backup this code does not have, migrations this
    code has that the backup had not applied)."""
    from django.db.migrations.loader import MigrationLoader

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {
        (app, name) for app, names in manifest["migrations"].items() for name in names
    }
    unknown = sorted(f"{a}.{n}" for a, n in in_backup - on_disk)
    pending = sorted(f"{a}.{n}" for a, n in on_disk - in_backup)
    return unknown, pending


def digests_compare(
    expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]
) -> list[str]:
    """What differs between two ``{table or file: {rows/size, sha256}}``."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            problems.append(f"{name}: missing")
        elif name not in expected:
            problems.append(f"{name}: not in the backup")
        elif expected[name] != actual[name]:
            problems.append(f"{name}: {expected[name]} != {actual[name]}")
    return problems


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int
    pending_migrations: list[str]


def _restore_sqlite(dump: Path, target: Database) -> None:
    path = Path(target.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _sqlite_readonly(dump) as source:
        destination = sqlite3.connect(path)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=WAL")
        finally:
            destination.close()


def _restore_postgresql(dump: Path, target: Database) -> None:
    with target.pg_connect() as conn:
        server_major = conn.info.server_version // 10000
    tool = pg_tool("pg_restore", server_major)
    # Objects are owned by the user restoring (the application's own user):
    # the original owner and grants may not exist on the new server.
    _run_tool(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={target.name}",
            str(dump),
        ],
        target.tool_env(),
        "pg_restore",
    )


def backup_restore(*, path: Path, target: Database, media_root: Path) -> RestoreReport:
    """Restore the backup at ``path`` into the empty database ``target`` and
    the empty (or missing) folder ``media_root``, then check every table."""
    manifest = backup_verify(path)
    vendor = manifest["database"]["vendor"]
    if vendor != target.vendor:
        raise BackupError(
            f"This backup is of a {vendor} database; the target is {target.vendor}."
        )
    unknown, pending = migrations_compare(manifest)
    if unknown:
        raise BackupError(
            "The backup was made by a newer release (migrations this code does "
            f"not have: {', '.join(unknown[:10])}). Restore it with that release."
        )
    if not database_is_empty(target):
        raise BackupError(
            f"The database {target.name} is not empty: restore only into a new, "
            "empty database (PostgreSQL: createdb; SQLite: a new file)."
        )
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            f"The media folder {media_root} is not empty: restore into a new one."
        )
    dump = path / manifest["database"]["file"]
    if vendor == "sqlite":
        _restore_sqlite(dump, target)
    else:
        _restore_postgresql(dump, target)
    media_root.mkdir(parents=True, exist_ok=True)
    for name, info in manifest["files"].items():
        size, sha256 = _copy_hashing(
            path / MEDIA_DIR / _safe_relative(name), media_root / _safe_relative(name)
        )
        if (size, sha256) != (info["size"], info["sha256"]):
            raise BackupError(f"File {name} changed while it was restored.")
    problems = digests_compare(manifest["tables"], database_digests(target))
    if problems:
        raise BackupError(
            "The restored database differs from the backup: " + "; ".join(problems[:20])
        )
    return RestoreReport(
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"].values()),
        files=len(manifest["files"]),
        pending_migrations=pending,
    )
