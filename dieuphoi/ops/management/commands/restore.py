"""``manage.py restore <backup>``: into an empty database and an empty media
folder, after checking every checksum; then every table is compared with the
manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from dieuphoi.ops import backups
from dieuphoi.ops.management.commands.backup import media_root


class Command(BaseCommand):
    help = (
        "Restore a backup (a path, a name in BACKUP_DIR, or 'latest') into the "
        "configured database, which must be empty, and MEDIA_ROOT, which must "
        "be empty or missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup")
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Only check the backup's checksums; restore nothing.",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            path = backups.resolve_backup(options["backup"], Path(settings.BACKUP_DIR))
            if options["verify_only"]:
                manifest = backups.backup_verify(path)
                self.stdout.write(
                    f"Backup {path} is intact: {len(manifest['tables'])} tables, "
                    f"{len(manifest['files'])} files, made {manifest['created_at']}."
                )
                return
            connection = connections[options["database"]]
            target = backups.Database.from_settings(connection.settings_dict)
            # The restore writes through its own connections.
            connection.close()
            report = backups.backup_restore(
                path=path, target=target, media_root=media_root()
            )
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {path.name} into {target.name}: {report.tables} tables and "
            f"{report.rows} rows match the manifest; {report.files} files restored "
            "and checked."
        )
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"This release has {len(report.pending_migrations)} migrations the "
                    "backup had not applied: run `manage.py migrate` next."
                )
            )
