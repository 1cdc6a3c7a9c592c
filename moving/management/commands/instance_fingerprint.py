"""manage.py instance_fingerprint [--occupancy]: this database's fingerprint as JSON (move_instance runs it against
the target). Exit code 3 when the database cannot be reached."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from moving import fingerprint

UNREACHABLE = 3


class Command(BaseCommand):
    help = (
        "Print this database's fingerprint as JSON: rows and checksum of every table a backup holds, and the checksum "
        "of each household's canonical JSON export (what move_instance compares)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--occupancy", action="store_true", help="Only say whether the database holds data (users, purchases)."
        )

    def handle(self, *args, **options):
        try:
            result = fingerprint.occupancy() if options["occupancy"] else fingerprint.instance_fingerprint()
        except DatabaseError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise CommandError(f"The database cannot be reached: {first}", returncode=UNREACHABLE) from None
        self.stdout.write(json.dumps(result, sort_keys=True))
