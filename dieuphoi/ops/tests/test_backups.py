"""Backups and restores on the database the suite runs on (SQLite, and
PostgreSQL when DATABASE_URL names one): the data is committed
(``transactional_db``) so that pg_dump, a separate process, sees it."""

import datetime
import json
import sqlite3
from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dieuphoi.audit.services import audit_record
from dieuphoi.ops import backups
from dieuphoi.org.tests.factories import UserFactory

UTC = datetime.UTC


@pytest.fixture
def media(tmp_path, settings):
    root = tmp_path / "media"
    (root / "attachments" / "2026" / "01").mkdir(parents=True)
    (root / "attachments" / "2026" / "01" / "cong-van.pdf").write_bytes(
        b"%PDF-1.4 " + bytes(range(256)) * 10
    )
    (root / "papers" / "2026" / "02").mkdir(parents=True)
    (root / "papers" / "2026" / "02" / "to-trinh.docx").write_bytes(b"PK\x03\x04 docx")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def data(transactional_db):
    users = UserFactory.create_batch(3)
    for user in users:
        audit_record(actor=users[0], action="ops.test", target=user)
    yield users
    if connection.vendor == "sqlite":
        # The flush after the test deletes rows, which the append-only
        # triggers refuse on SQLite (PostgreSQL truncates, no trigger fires).
        triggers = import_module("dieuphoi.audit.migrations.0002_append_only_triggers")
        with connection.cursor() as cursor:
            for statement in triggers.SQLITE_BACKWARD:
                cursor.execute(statement)
            cursor.execute("DELETE FROM audit_auditevent")
            for statement in triggers.SQLITE_FORWARD:
                cursor.execute(statement)


@pytest.fixture
def scratch(tmp_path):
    """An empty database of the suite's vendor, dropped afterwards."""
    source = backups.Database.from_settings(connection.settings_dict)
    if source.vendor == "sqlite":
        yield source.with_name(str(tmp_path / "restored.sqlite3"))
        return
    target = source.with_name(f"{connection.settings_dict['NAME']}_restore")
    admin = source.with_name("postgres")

    def sql(statement):
        with admin.pg_connect(autocommit=True) as conn:
            conn.execute(statement)

    sql(f'DROP DATABASE IF EXISTS "{target.name}"')
    sql(f'CREATE DATABASE "{target.name}"')
    yield target
    sql(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)')


def source_digests(tmp_path):
    """The suite's database, read independently of the backup code path."""
    if connection.vendor == "sqlite":
        copy = tmp_path / "independent-copy.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return backups.database_digests(backups.Database("sqlite", str(copy)))
    return backups.database_digests(
        backups.Database.from_settings(connection.settings_dict)
    )


def make_backup(tmp_path, media, **kwargs):
    return backups.backup_create(
        backup_dir=tmp_path / "backups", media_root=media, keep=14, **kwargs
    )


def test_backup_writes_the_dump_the_files_and_a_manifest(tmp_path, media, data):
    path = make_backup(tmp_path, media)

    manifest = json.loads((path / "manifest.json").read_text())
    assert backups.NAME_RE.match(path.name)
    assert manifest["database"]["vendor"] == connection.vendor
    dump = path / manifest["database"]["file"]
    assert manifest["database"]["sha256"] == backups.file_sha256(dump)
    assert manifest["created_at"].endswith("Z")
    assert manifest["app"]["version"]
    assert "0002_append_only" in "".join(manifest["migrations"]["audit"])
    assert manifest["tables"]["accounts_user"]["rows"] == 3
    assert manifest["tables"]["audit_auditevent"]["rows"] >= 3
    assert manifest["tables"] == {
        k: v for k, v in source_digests(tmp_path).items() if k in manifest["tables"]
    }
    assert set(manifest["files"]) == {
        "attachments/2026/01/cong-van.pdf",
        "papers/2026/02/to-trinh.docx",
    }
    stored = path / "media" / "attachments/2026/01/cong-van.pdf"
    assert (
        stored.read_bytes() == (media / "attachments/2026/01/cong-van.pdf").read_bytes()
    )
    assert manifest["files"]["papers/2026/02/to-trinh.docx"]["sha256"] == (
        backups.file_sha256(media / "papers/2026/02/to-trinh.docx")
    )
    assert (path.stat().st_mode & 0o777) == 0o700
    assert not list((tmp_path / "backups").glob(".partial-*"))


def test_restore_gives_back_every_table_and_file(tmp_path, media, data, scratch):
    path = make_backup(tmp_path, media)
    restored_media = tmp_path / "restored-media"

    report = backups.backup_restore(
        path=path, target=scratch, media_root=restored_media
    )

    assert report.files == 2
    assert report.pending_migrations == []
    assert backups.database_digests(scratch) == source_digests(tmp_path)
    assert backups.media_digests(restored_media) == backups.media_digests(media)


def test_restored_audit_log_is_still_append_only(tmp_path, media, data, scratch):
    backups.backup_restore(
        path=make_backup(tmp_path, media),
        target=scratch,
        media_root=tmp_path / "restored-media",
    )

    if scratch.vendor == "sqlite":
        conn = sqlite3.connect(scratch.name)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_auditevent")
        conn.close()
    else:
        import psycopg

        with scratch.pg_connect() as conn, pytest.raises(psycopg.Error) as exc:
            conn.execute("UPDATE audit_auditevent SET action = 'x'")
        assert "append-only" in str(exc.value)


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, media, data):
    path = make_backup(tmp_path, media)
    target = backups.Database.from_settings(connection.settings_dict)
    if target.vendor == "sqlite":
        target = target.with_name(str(tmp_path / "used.sqlite3"))
        conn = sqlite3.connect(target.name)
        conn.execute("CREATE TABLE t (id integer primary key)")
        conn.close()

    with pytest.raises(backups.BackupError, match="is not empty"):
        backups.backup_restore(path=path, target=target, media_root=tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_restore_refuses_a_media_folder_that_is_not_empty(
    tmp_path, media, data, scratch
):
    path = make_backup(tmp_path, media)

    with pytest.raises(backups.BackupError, match=r"media folder .* is not empty"):
        backups.backup_restore(path=path, target=scratch, media_root=media)
    assert backups.database_is_empty(scratch)


@pytest.mark.parametrize("damage", ["file", "dump", "extra", "missing"])
def test_a_damaged_backup_is_refused_before_anything_is_restored(
    tmp_path, media, data, scratch, damage
):
    path = make_backup(tmp_path, media)
    pdf = path / "media" / "attachments/2026/01/cong-van.pdf"
    if damage == "file":
        pdf.write_bytes(pdf.read_bytes()[:-1] + b"X")
    elif damage == "dump":
        dump = next(path.glob("database.*"))
        with dump.open("ab") as handle:
            handle.write(b"\0")
    elif damage == "extra":
        (path / "media" / "planted.html").write_text("<script>")
    else:
        pdf.unlink()

    with pytest.raises(backups.BackupError, match="is damaged"):
        backups.backup_restore(path=path, target=scratch, media_root=tmp_path / "m")
    assert backups.database_is_empty(scratch)
    assert not (tmp_path / "m").exists()


def test_restore_refuses_a_backup_of_a_newer_release(tmp_path, media, data, scratch):
    path = make_backup(tmp_path, media)
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"]["audit"].append("9999_from_the_future")
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(backups.BackupError, match="newer release"):
        backups.backup_restore(path=path, target=scratch, media_root=tmp_path / "m")


def test_a_file_name_leaving_the_backup_is_refused(tmp_path, media, data, scratch):
    path = make_backup(tmp_path, media)
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["../../escaped.txt"] = {"size": 1, "sha256": "0" * 64}
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(backups.BackupError, match="Unsafe file name"):
        backups.backup_restore(path=path, target=scratch, media_root=tmp_path / "m")


def test_rotation_keeps_the_newest_backups_and_nothing_else_is_touched(
    tmp_path, media, data
):
    backup_dir = tmp_path / "backups"
    backup_dir.mkdir()
    (backup_dir / "keep-me.txt").write_text("not a backup")
    (backup_dir / "dieuphoi-notes").mkdir()
    (backup_dir / ".partial-dieuphoi-20260101T000000Z").mkdir()
    start = datetime.datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    made = [
        backups.backup_create(
            backup_dir=backup_dir,
            media_root=media,
            keep=3,
            now=start + datetime.timedelta(days=n),
        )
        for n in range(5)
    ]

    assert backups.backup_list(backup_dir) == made[-3:]
    assert (backup_dir / "keep-me.txt").exists()
    assert (backup_dir / "dieuphoi-notes").exists()
    assert not (backup_dir / ".partial-dieuphoi-20260101T000000Z").exists()


def test_two_backups_in_the_same_second_get_different_names(tmp_path, media, data):
    now = datetime.datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    first = make_backup(tmp_path, media, now=now)
    second = make_backup(tmp_path, media, now=now)

    assert first != second
    assert backups.backup_list(tmp_path / "backups") == [first, second]


def test_commands_back_up_verify_and_refuse_a_used_database(
    tmp_path, media, data, settings
):
    settings.BACKUP_DIR = tmp_path / "backups"
    out = StringIO()

    call_command("backup", "--keep", "2", stdout=out)
    assert "files" in out.getvalue()
    out = StringIO()
    call_command("restore", "latest", "--verify-only", stdout=out)
    assert "is intact" in out.getvalue()
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore", "latest")


def test_restore_of_an_unknown_name_says_so(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", "dieuphoi-nothing")
    with pytest.raises(CommandError, match="No backup"):
        call_command("restore", "latest")


def test_a_failed_backup_leaves_no_partial_directory(
    tmp_path, media, data, monkeypatch
):
    def fail(*args, **kwargs):
        raise backups.BackupError("disk full")

    monkeypatch.setattr(backups, "_copy_media", fail)
    with pytest.raises(backups.BackupError):
        make_backup(tmp_path, media)
    assert list((tmp_path / "backups").iterdir()) == []


def test_sqlite_target_paths_are_new_files(tmp_path):
    target = backups.Database("sqlite", str(tmp_path / "none.sqlite3"))
    assert backups.database_is_empty(target)
    Path(target.name).write_bytes(b"")
    assert backups.database_is_empty(target)
