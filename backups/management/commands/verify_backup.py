"""manage.py verify_backup FILE: check a backup archive without changing anything."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from backups import restore


class Command(BaseCommand):
    help = "Verify a backup .zip: structure, manifest, every checksum, format version, database engine."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--allow-foreign", action="store_true", help="Check an archive this installation did not sign as well."
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            manifest = restore.backup_validate(path, allow_foreign=options["allow_foreign"])
        except ValidationError as exc:
            raise CommandError("Invalid backup: " + " ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {len(manifest['members'])} members verified; {manifest.get('kind', 'full')} backup of a "
                f"{manifest['database_engine']} database made {manifest.get('created_at')} by version "
                f"{manifest.get('app_version')}."
            )
        )
