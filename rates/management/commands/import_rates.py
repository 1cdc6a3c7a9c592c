"""Add the rates of an ECB history file (rates.services.rates_import); progress on stderr, the counts on stdout."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rates import services


class Command(BaseCommand):
    help = (
        "Add the ECB's reference rates from eurofxref-hist.csv or eurofxref-hist.zip (downloaded from the ECB), "
        "idempotently: rates already stored are left as they are. The same as POST /api/rates/import."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of eurofxref-hist.csv or eurofxref-hist.zip.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        self.stderr.write(f"Reading {path} ...")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        self.stderr.write(f"Storing the rates not stored yet ({len(data):,} bytes read) ...")
        try:
            report = services.rates_import(data)
        except ValidationError as exc:
            raise CommandError(f"{path} is not the ECB's history file: {' '.join(exc.messages)}") from None
        last_day = report["last_day"].isoformat() if report["last_day"] else "none"
        self.stdout.write(
            f"Added {report['rates_added']} rates on {report['days_added']} new publication days; "
            f"last publication day: {last_day}."
        )
