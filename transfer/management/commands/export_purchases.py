"""Export one user's purchases as CSV or JSON (the streamed exporters of transfer.services); progress on stderr."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from purchases import selectors
from spends.api.scope import scope_for
from transfer import services as transfer
from transfer.management.commands.import_purchases import Progress


class Command(BaseCommand):
    help = (
        "Export the purchases of a user's household as CSV or JSON "
        "(the same files as GET /api/export/csv and /api/export/json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username whose household's purchases are exported.")
        parser.add_argument("--format", choices=["csv", "json"], default="json")
        parser.add_argument("-o", "--output", help="File to write (default: stdout).")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f'No user "{options["user"]}".')
        household_id = scope_for(user).household_id
        queryset = selectors.purchase_list(household_id=household_id)
        total = queryset.count()
        progress = Progress(self.stderr._out)
        if options["format"] == "csv":
            pieces = transfer.purchases_export_csv(queryset=queryset, progress=progress, total=total)
        else:
            pieces = transfer.purchases_export_json(household_id=household_id, progress=progress, total=total)
        output = options["output"]
        try:
            if output:
                with Path(output).open("w", encoding="utf-8", newline="") as stream:
                    stream.writelines(pieces)
            else:
                stream = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
                stream.writelines(pieces)
                stream.flush()
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        progress("exported", total, total)
