"""Check attachments against the stored files (purchases.services.uploads_check); progress on stderr."""

from django.conf import settings
from django.core.management.base import BaseCommand

from attachments import services
from spends import config


class Command(BaseCommand):
    help = (
        "Mark attachments whose file is missing as unavailable (and available again when the file is back), and "
        "list files under uploads/ that no attachment references. With --fix, remove those files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Remove the unreferenced files.")

    def handle(self, *args, **options):
        fix = options["fix"]
        where = config.storage_description(settings.STORAGES["default"]) or str(settings.MEDIA_ROOT)
        self.stderr.write(f"checking the uploads in {where}")  # never a key: the URL's credentials are left out
        report = services.uploads_check(fix=fix, progress=lambda message: self.stderr.write(message))
        for name in report.missing:
            self.stdout.write(f"missing: {name}")
        removed = set(report.removed)
        for name in report.orphans:
            self.stdout.write(f"{'removed' if name in removed else 'unreferenced'}: {name}")
        summary = (
            f"{report.checked} referenced file(s) checked, {len(report.missing)} missing "
            f"({report.marked_unavailable} attachment(s) marked unavailable, {report.marked_available} available "
            f"again), {len(report.orphans)} unreferenced file(s)"
        )
        if fix:
            summary += f", {len(report.removed)} removed"
        elif report.orphans:
            summary += " (run with --fix to remove them)"
        style = self.style.WARNING if report.missing or (report.orphans and not fix) else self.style.SUCCESS
        self.stdout.write(style(summary + "."))
