#!/usr/bin/env python3
"""Restore drill: seed the demo data and some uploaded files into a scratch
database, back it up with ``manage.py backup``, restore it with ``manage.py
restore`` into a new, empty database and media folder, then compare every
table (row count and checksum of its rows in primary key order) and every
file with the source. A restore into the now non-empty database must be
refused.

    .venv/bin/python scripts/restore_drill.py [--vendor sqlite|postgresql|all]

SQLite uses new files in a temporary folder; PostgreSQL (at PG_URL, default
postgres://postgres@127.0.0.1:5432) the databases dieuphoi_restore_drill_src
and dieuphoi_restore_drill, dropped afterwards. Each command is bounded.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dieuphoi.ops import backups  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
if not Path(PY).exists():
    PY = sys.executable
MANAGE = str(ROOT / "manage.py")
STEP_TIMEOUT = 300
SOURCE_DB = "dieuphoi_restore_drill_src"
TARGET_DB = "dieuphoi_restore_drill"

ATTACH = """
from django.core.files.uploadedfile import SimpleUploadedFile
from dieuphoi.accounts.models import User
from dieuphoi.docs.models import Document
from dieuphoi.docs.services import attachment_add
actor = User.objects.get(username="thuky")
document = Document.objects.order_by("pk").first()
png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
files = [
    ("Báo cáo quý 1.pdf", b"%PDF-1.4\\n" + bytes(range(256)) * 40 + b"\\n%%EOF\\n"),
    ("so-do.png", png + bytes(range(256)) * 3),
    ("Công văn.pdf", b"%PDF-1.7\\n" + "Tổ điều phối".encode() * 100 + b"\\n%%EOF\\n"),
]
for name, content in files:
    attachment_add(
        actor=actor, target=document, uploaded_file=SimpleUploadedFile(name, content)
    )
print(f"attached {len(files)} files to document {document.pk}")
"""


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own manage.py, argv list
        [PY, MANAGE, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    print(
        f"  manage.py {args[0]}: exit {result.returncode} "
        f"({time.monotonic() - started:.1f} s)"
    )
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"restore drill: manage.py {' '.join(args)} failed")
    return result


def pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(statement)


def drill(vendor: str, work: Path, pg_url: str) -> None:
    print(f"== restore drill on {vendor}")
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLITE_PATH", "MEDIA_ROOT", "DIEUPHOI_TESTING")
    }
    base.update(DEBUG="true", BACKUP_DIR=str(work / "backups"), LOG_LEVEL="WARNING")
    source_env = {**base, "MEDIA_ROOT": str(work / "media")}
    target_env = {**base, "MEDIA_ROOT": str(work / "media-restored")}
    if vendor == "sqlite":
        source_env["SQLITE_PATH"] = str(work / "source.sqlite3")
        target_env["SQLITE_PATH"] = str(work / "restored.sqlite3")
        source = backups.Database("sqlite", source_env["SQLITE_PATH"])
        target = backups.Database("sqlite", target_env["SQLITE_PATH"])
    else:
        for name in (SOURCE_DB, TARGET_DB):
            pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            pg_admin(pg_url, f'CREATE DATABASE "{name}"')
        source_env["DATABASE_URL"] = f"{pg_url.rstrip('/')}/{SOURCE_DB}"
        target_env["DATABASE_URL"] = f"{pg_url.rstrip('/')}/{TARGET_DB}"
        parts = urlsplit(pg_url)
        source = backups.Database(
            "postgresql",
            SOURCE_DB,
            host=parts.hostname or "",
            port=str(parts.port or ""),
            user=parts.username or "",
            password=parts.password or "",
        )
        target = source.with_name(TARGET_DB)
    try:
        manage(source_env, "migrate", "--no-input", "-v0")
        manage(source_env, "seed_demo")
        manage(source_env, "shell", "-c", ATTACH)
        manage(source_env, "backup")
        restored = manage(target_env, "restore", "latest")
        print("  " + restored.stdout.strip().replace("\n", "\n  "))
        again = manage(target_env, "restore", "latest", check=False)
        if again.returncode == 0 or "is not empty" not in again.stderr:
            raise SystemExit(
                "restore drill: a restore into a non-empty database was not refused"
            )

        expected = backups.database_digests(source)
        actual = backups.database_digests(target)
        problems = backups.digests_compare(expected, actual)
        files_expected = backups.media_digests(work / "media")
        files_actual = backups.media_digests(work / "media-restored")
        problems += backups.digests_compare(files_expected, files_actual)
        if len(files_expected) < 3:
            problems.append(f"only {len(files_expected)} uploaded files in the source")
        if problems:
            raise SystemExit("restore drill: differences: " + "; ".join(problems))
        rows = sum(t["rows"] for t in expected.values())
        print(
            f"  {vendor}: {len(expected)} tables ({rows} rows) and "
            f"{len(files_expected)} files identical after the restore"
        )
    finally:
        if vendor == "postgresql":
            for name in (SOURCE_DB, TARGET_DB):
                pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--vendor", choices=["sqlite", "postgresql", "all"], default="all"
    )
    options = parser.parse_args()
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    vendors = ["sqlite", "postgresql"] if options.vendor == "all" else [options.vendor]
    started = time.monotonic()
    for vendor in vendors:
        with tempfile.TemporaryDirectory(prefix=f"restore-drill-{vendor}-") as tmp:
            drill(vendor, Path(tmp), pg_url)
    print(f"restore drill passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
