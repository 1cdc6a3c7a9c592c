"""manage.py backup: make a backup now, or (--scheduled, for cron) only when one is due."""

from django.core.management.base import BaseCommand, CommandError

from backups import services
from backups.choices import BackupKind, BackupStatus

from ._output import summary


class Command(BaseCommand):
    help = "Back up the database and uploads into one verified .zip in the backup storage."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=BackupKind.values, default=BackupKind.FULL)
        parser.add_argument(
            "--scheduled",
            action="store_true",
            help="Back up only when the schedule (backup settings) says one is due, then prune to keep_last. "
            "For cron: run it hourly.",
        )

    def handle(self, *args, **options):
        def progress(message):
            self.stderr.write(f"  {message}...")

        if options["scheduled"]:
            backup = services.backup_scheduled(progress=progress)
            if backup is None:
                self.stdout.write(
                    "No backup due (schedule disabled, last one recent enough, or another node is making it now)."
                )
                return
        else:
            backup = services.backup_create(kind=options["kind"], progress=progress)
        if backup.status != BackupStatus.SUCCEEDED:
            raise CommandError(f"Backup failed: {backup.error}")
        self.stdout.write(self.style.SUCCESS(summary(backup)))
