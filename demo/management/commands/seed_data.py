"""manage.py seed_data: a demo login and demo purchases (thin: the work is in demo.services)."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import services as demo


class Command(BaseCommand):
    help = (
        "Create the demo user (printing its login and a fresh API token) and realistic demo purchases. Idempotent "
        "for the data; the password is --password, else DEMO_PASSWORD (make dev keeps a random one in .env)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--purchases", type=int, default=60, help="Make sure the demo user has at least N purchases."
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for the same data every time.")
        parser.add_argument("--username", default=demo.DEMO_USERNAME)
        parser.add_argument("--password", default=None, help="Default: the DEMO_PASSWORD setting.")

    def handle(self, *args, **options):
        if options["purchases"] < 0:
            raise CommandError("--purchases must be 0 or more.")

        password = options["password"] or settings.DEMO_PASSWORD
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)

        def progress(done, total):
            self.stderr.write(f"  {done}/{total} purchases generated")

        result = demo.demo_data_create(
            purchases=options["purchases"],
            seed=options["seed"],
            username=options["username"],
            password=password,
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {result.purchases_created} purchases added, {result.purchases_total} in all."
            )
        )
        self.stdout.write("")
        self.stdout.write("  Demo login (admin at /admin/, API docs at /api/docs):")
        self.stdout.write(f"    username: {result.username}")
        self.stdout.write(f"    password: {result.password}")
        if generated:
            self.stdout.write("    (made up for this run: set DEMO_PASSWORD in .env, or pass --password, to keep one)")
        self.stdout.write(f"    API token: {result.token}   (header: Authorization: Token {result.token})")
        self.stdout.write("    (a new token each run: the previous demo token no longer works)")
        self.stdout.write("")
