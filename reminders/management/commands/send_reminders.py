"""manage.py send_reminders [--dry-run] [--today YYYY-MM-DD]: email the warranty reminders due (for cron, hourly)."""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError

from reminders import services


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Email every warranty reminder due today (UTC) and log it. Idempotent: a reminder is never sent twice, "
        "a missed run is caught up once. Safe to run every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be sent; send nothing.")
        parser.add_argument("--today", type=iso_date, help="Run as if today were this date (default: today, UTC).")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]

        def progress(outcome):
            for warranty in outcome.due:
                self.stderr.write(
                    f"  {outcome.username} <{outcome.email or '-'}>: {warranty.purchase.product_name} ends "
                    f"{warranty.warranty_end.isoformat()} ({warranty.lead_day}-day reminder)"
                )
            for purchase in outcome.returns_due:
                self.stderr.write(
                    f"  {outcome.username} <{outcome.email or '-'}>: return {purchase.product_name} by "
                    f"{purchase.return_by.isoformat()} ({purchase.lead_day}-day reminder)"
                )
            if outcome.error:
                self.stderr.write(self.style.ERROR(f"  {outcome.username}: FAILED, {outcome.error}"))
            elif outcome.skipped:
                self.stderr.write(self.style.WARNING(f"  {outcome.username}: skipped, {outcome.skipped}"))

        report = services.send_reminders(today=options["today"], dry_run=dry_run, progress=progress)
        if report.busy:
            self.stdout.write("Another run (on this or another node) is sending the reminders now; nothing to do.")
            return
        if dry_run:
            self.stdout.write(
                f"Dry run for {report.today.isoformat()}: {report.reminders_due} reminder(s) due for "
                f"{sum(1 for o in report.outcomes if o.due or o.returns_due)} user(s); nothing sent."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Reminders for {report.today.isoformat()}: {report.reminders_sent} reminder(s) in "
                    f"{report.emails_sent} email(s) to {sum(1 for o in report.outcomes if o.emails_sent)} user(s)."
                )
            )
        if report.failed:
            names = ", ".join(o.username for o in report.failed)
            raise CommandError(f"Sending failed for {len(report.failed)} user(s): {names}. They are retried next run.")
