"""Import a CSV or JSON export file for one user (the batched importer of transfer.services); progress on stderr."""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from spends.api.scope import scope_for
from transfer import services as transfer
from transfer import sources


class Progress:
    """A one-line progress bar on stderr, redrawn in place."""

    def __init__(self, stream):
        self.stream = stream
        self.last = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        width = 30
        if total:
            filled = width * done // total
            line = f"\r{stage:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        else:  # the total is not known yet (rows of a file being read)
            line = f"\r{stage:<10} {done}"
        if line != self.last:
            self.stream.write(line)
            self.stream.flush()
            self.last = line
        if total and done >= total:
            self.stream.write("\n")
            self.last = None


class Command(BaseCommand):
    help = "Import purchases for a user from a CSV or JSON export file (all or nothing unless --partial)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .json file, or - for stdin (then give --format).")
        parser.add_argument(
            "--user", required=True, help="Username of the member whose household gets the imported purchases."
        )
        parser.add_argument("--format", choices=["csv", "json"], help="Default: from the file extension.")
        parser.add_argument("--on-duplicate", choices=["skip", "update"], default="skip")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument("--partial", action="store_true", help="Write the valid rows even when some have errors.")
        parser.add_argument(
            "--source",
            choices=list(sources.SOURCES),
            help="The file is another application's CSV export (Warracker's Export, Homebox's Export Inventory).",
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f'No user "{options["user"]}".')
        path = options["file"]
        kind = options["format"] or Path(path).suffix.lower().lstrip(".")
        if options["source"]:
            kind = "csv"
        if kind not in ("csv", "json"):
            raise CommandError("Cannot tell the format from the file name: give --format csv or --format json.")
        try:
            stream = sys.stdin.buffer if path == "-" else Path(path).open("rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            outcome = self._import(stream, kind, user, options)
        except transfer.ImportFileError as exc:
            raise CommandError(exc.message) from None
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        if options["source"]:
            sources.rename_error_fields(outcome.report, options["source"])
        self.stdout.write(json.dumps(outcome.report, indent=2, ensure_ascii=False))
        if outcome.refused:
            count = len(outcome.report["errors"])
            raise CommandError(f"{count} error(s); nothing was imported (--partial imports the valid rows).")

    def _import(self, stream, kind: str, user, options) -> transfer.ImportOutcome:
        """The file is read as the import goes (CSV row by row), not loaded first."""
        if options["source"]:
            source = {"table": sources.parse_source_csv(options["source"], stream)}
        elif kind == "csv":
            source = {"table": transfer.parse_csv(stream)}
        else:
            source = {"document": transfer.parse_json(stream)}
        return transfer.purchases_import_detailed(
            household_id=scope_for(user).household_id,
            created_by=user,
            on_duplicate=options["on_duplicate"],
            dry_run=options["dry_run"],
            partial=options["partial"],
            progress=Progress(self.stderr._out),
            keep_rows=False,
            **source,
        )
