"""manage.py verify_summaries [--fix] [--household ID ...]: compare the analytics summaries with their purchases."""

import sys
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from households.models import Household
from purchases import summaries

PROGRESS_EVERY = 1000  # households between two progress lines (and at least every 10 s)


class Command(BaseCommand):
    help = (
        "Recompute each household's analytics summaries from its purchases and compare them with the stored ones. "
        "Prints every difference in plain words; exit status 1 when any was found. --fix rewrites the summaries of "
        "the households that differ (each in its own transaction). Progress goes to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rewrite the summaries that differ from the rows")
        parser.add_argument("--household", action="append", default=[], help="only this household (repeatable)")

    def handle(self, *args, fix=False, household=(), **options):
        households = Household.objects.order_by("pk").values_list("pk", "name")
        if household:
            households = households.filter(pk__in=household)
        total = households.count()
        wrong, last_said, started = 0, time.monotonic(), time.monotonic()
        for index, (household_id, name) in enumerate(households.iterator(), start=1):
            differences = summaries.summaries_differences(household_id)
            if differences:
                wrong += 1
                self.stdout.write(f"Household {name!r} ({household_id}): {len(differences)} difference(s)")
                for line in differences:
                    self.stdout.write(f"  {line}")
                if fix:
                    with transaction.atomic():
                        summaries.recompute([household_id])
                    self.stdout.write("  fixed: its summaries were rewritten from its purchases")
            if index % PROGRESS_EVERY == 0 or time.monotonic() - last_said > 10:
                last_said = time.monotonic()
                sys.stderr.write(f"checked {index:,} of {total:,} households ({last_said - started:.0f} s)\n")
        if wrong:
            fixed = " and fixed them" if fix else "; run with --fix to rewrite them"
            self.stdout.write(f"{wrong} of {total} household(s) had summaries that differ from their purchases{fixed}.")
            sys.exit(1)
        self.stdout.write(f"All {total} household(s): the summaries equal their purchases.")
