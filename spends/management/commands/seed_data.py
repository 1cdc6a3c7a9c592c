"""manage.py seed_data: a demo login and demo purchases (thin: the work is in spends.demo)."""

from django.core.management.base import BaseCommand, CommandError

from spends import demo


class Command(BaseCommand):
    help = "Create the demo user (printing its login and API token) and realistic demo purchases. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--purchases", type=int, default=60, help="Make sure the demo user has at least N purchases."
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for the same data every time.")
        parser.add_argument("--username", default=demo.DEMO_USERNAME)
        parser.add_argument("--password", default=demo.DEMO_PASSWORD)

    def handle(self, *args, **options):
        if options["purchases"] < 0:
            raise CommandError("--purchases must be 0 or more.")

        def progress(done, total):
            self.stderr.write(f"  {done}/{total} purchases generated")

        result = demo.demo_data_create(
            purchases=options["purchases"],
            seed=options["seed"],
            username=options["username"],
            password=options["password"],
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
        self.stdout.write(f"    API token: {result.token}   (header: Authorization: Token {result.token})")
        self.stdout.write("")
