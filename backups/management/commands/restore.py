"""manage.py restore FILE --yes [--allow-foreign]: replace all data with a backup's (a restore point is made first)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from backups import restore, services


class Command(BaseCommand):
    help = "Restore the database and uploads from a backup .zip. ALL current data is replaced."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="Confirm that all current data will be replaced.")
        parser.add_argument(
            "--allow-foreign",
            action="store_true",
            help="Restore an archive whose signature does not verify with this installation's backup key (changed "
            "after it was written, made by another installation, or made before archives were signed).",
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if not options["yes"]:
            raise CommandError(
                "Restoring replaces ALL current data with the backup's. Run again with --yes to go ahead "
                "(a restore point of the current data is made first)."
            )
        try:
            report = restore.backup_restore(
                path=path,
                restored_from=path.name,
                allow_foreign=options["allow_foreign"],
                progress=lambda m: self.stderr.write(f"  {m}..."),
            )
        except (ValidationError, services.BackupError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("Nothing was changed: " + " ".join(messages)) from None
        self.stdout.write(
            f"Restored from {report['restored_from']}: {report['files_restored']} files restored, "
            f"{report['files_skipped']} already present. Restore point: {report['restore_point_id']}. "
            "Everyone signs in again (sessions are not in backups)."
        )
        if report["integrity"]["ok"]:
            self.stdout.write(self.style.SUCCESS("Integrity check: ok"))
        else:
            for problem in report["integrity"]["problems"]:
                self.stderr.write(self.style.ERROR(f"Integrity problem: {problem}"))
            raise CommandError("The restore finished but the integrity check found problems (listed above).")
