"""manage.py list_backups [--rescan]: the backup records, newest first."""

from django.core.management.base import BaseCommand

from backups import recovery
from backups.common import BackupError, exclusive_lock
from backups.models import Backup

from ._output import human_size


class Command(BaseCommand):
    help = "List backups, newest first."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rescan",
            action="store_true",
            help="First rebuild missing records from the signed archives in the backup storage, mark backups and "
            "restores whose process died as failed, and remove temporary and partial files.",
        )

    def handle(self, *args, **options):
        if options["rescan"]:
            try:
                with exclusive_lock(wait=30):
                    recovery.recover()
            except BackupError as exc:
                self.stderr.write(f"Not rescanned: {exc}")
        else:
            recovery.recover_if_idle()
        backups = Backup.objects.order_by("-created_at")
        if not backups:
            self.stdout.write("No backups yet. Make one with: python manage.py backup")
            return
        for backup in backups:
            flags = " (restore point)" if backup.is_restore_point else ""
            self.stdout.write(
                f"{backup.created_at:%Y-%m-%d %H:%M}Z  {backup.id}  {backup.kind:<11} {backup.status:<9} "
                f"{backup.file_count:>5} files {human_size(backup.size_bytes):>9}  {backup.filename}{flags}"
                + (f"  error: {backup.error}" if backup.error else "")
            )
