"""``manage.py backup``: the database and the uploaded files, with a manifest
of checksums, into ``BACKUP_DIR``; keeps the newest ``BACKUP_KEEP``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dieuphoi.ops import backups


def media_root() -> Path:
    return Path(settings.STORAGES["default"].get("OPTIONS", {})["location"])


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (see docs/production.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=None,
            help="Folder of the backups (default: BACKUP_DIR, var/backups).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Keep this many newest backups (default: BACKUP_KEEP, 14).",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        backup_dir = Path(options["dir"] or settings.BACKUP_DIR)
        keep = options["keep"] or settings.BACKUP_KEEP
        try:
            path = backups.backup_create(
                backup_dir=backup_dir,
                media_root=media_root(),
                keep=keep,
                using=options["database"],
            )
            manifest = backups.backup_verify(path)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"Backup {path}: {manifest['database']['vendor']}, "
            f"{len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['files'])} files; keeping the newest {keep}."
        )
