"""manage.py list_backups: the backup records, newest first."""

from django.core.management.base import BaseCommand

from backups.models import Backup

from ._output import human_size


class Command(BaseCommand):
    help = "List backups, newest first."

    def handle(self, *args, **options):
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
