"""manage.py seed_data: a demo login, a read-only second member and demo purchases (thin: the work is in
demo.services)."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import services as demo
from spends.exceptions import Conflict


class Command(BaseCommand):
    help = (
        "Create the demo user (printing its login and a fresh API token), a read-only member of its household "
        "(the viewer) and realistic demo purchases. Idempotent for the data; the passwords are --password and "
        "--viewer-password, else DEMO_PASSWORD and DEMO_VIEWER_PASSWORD (make dev keeps random ones in .env)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--purchases", type=int, default=60, help="Make sure the demo user has at least N purchases."
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for the same data every time.")
        parser.add_argument("--username", default=demo.DEMO_USERNAME)
        parser.add_argument("--password", default=None, help="Default: the DEMO_PASSWORD setting.")
        parser.add_argument("--viewer-username", default=demo.DEMO_VIEWER_USERNAME)
        parser.add_argument("--viewer-password", default=None, help="Default: the DEMO_VIEWER_PASSWORD setting.")

    def handle(self, *args, **options):
        if options["purchases"] < 0:
            raise CommandError("--purchases must be 0 or more.")
        if options["viewer_username"] == options["username"]:
            raise CommandError("--viewer-username must differ from --username.")

        password = options["password"] or settings.DEMO_PASSWORD
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        viewer_password = options["viewer_password"] or settings.DEMO_VIEWER_PASSWORD
        viewer_generated = not viewer_password
        if viewer_generated:
            viewer_password = secrets.token_urlsafe(12)

        def progress(done, total):
            self.stderr.write(f"  {done}/{total} purchases generated")

        try:
            result = demo.demo_data_create(
                purchases=options["purchases"],
                seed=options["seed"],
                username=options["username"],
                password=password,
                viewer_username=options["viewer_username"],
                viewer_password=viewer_password,
                progress=progress,
            )
        except Conflict as exc:  # the viewer is the last owner of a household with other members
            raise CommandError(f"{options['viewer_username']}: {exc.detail}") from None
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
        self.stdout.write(
            f"  viewer login (read-only): username {result.viewer_username}, password {result.viewer_password}"
        )
        if viewer_generated:
            self.stdout.write(
                "    (made up for this run: set DEMO_VIEWER_PASSWORD in .env, or pass --viewer-password, to keep one)"
            )
        self.stdout.write("")
