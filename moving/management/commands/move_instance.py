"""manage.py move_instance --to DATABASE_URL: this instance's data into another database (SQLite ↔ PostgreSQL, or
the same engine elsewhere) in one command, then both sides compared. README "Moving".

Steps: check the target (reachable, empty unless --force) → a full backup here (native and portable dump, uploads) →
`migrate` on the target → `restore` of that archive on the target (through the portable dump when the engines
differ; a restore point of the target first) → compare row counts and checksums of every table and each household's
canonical JSON export. The target's steps run as this project's own `manage.py` in child processes whose
DATABASE_URL is the target (and --target-env's variables): exactly what the target instance will run with.

Exit codes: 0 moved and identical; 1 a step failed or the two sides differ; 2 refused, nothing changed (the target
cannot be reached, holds data without --force, or is this database).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backups import services
from backups.choices import BackupKind, BackupStatus
from moving import fingerprint

REFUSED = 2
UNREACHABLE = 3  # instance_fingerprint's exit code
ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")


class Command(BaseCommand):
    help = (
        "Move this instance's data (database and uploads) into the database at --to (e.g. from SQLite to PostgreSQL), "
        "migrate it, restore this instance's backup there and compare both sides. Stop the app's web and worker "
        "processes first: writes during the move make the comparison fail."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, metavar="DATABASE_URL", help="The target database's URL.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the target's data when it already holds some (a restore point of it is made first).",
        )
        parser.add_argument(
            "--target-env",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="An environment variable of the target instance (e.g. MEDIA_ROOT=/new/media, BACKUP_DIR=...), "
            "repeatable: its uploads go into the target's storage.",
        )

    def handle(self, *args, **options):
        self.target_url = options["to"]
        self.env = self._target_env(options["target_env"])
        self._refuse_same_database()
        self.say(f"1/5 checking the target ({self._described()})")
        found = self._target_json("instance_fingerprint", "--occupancy")
        if found["users"] and not options["force"]:
            raise CommandError(
                f"Nothing was changed: the target database already holds data ({found['users']} user account(s), "
                f"{found['purchases']} purchase(s)). move_instance replaces ALL of it with this instance's data. "
                "Point --to at an empty database, or run again with --force to replace it (a restore point of the "
                "target's data is made first, in the target's BACKUP_DIR).",
                returncode=REFUSED,
            )
        self.say(f"2/5 backing up this instance ({connection.vendor})")
        backup = services.backup_create(kind=BackupKind.FULL, progress=lambda m: self.say(f"    {m}"))
        if backup.status != BackupStatus.SUCCEEDED:
            raise CommandError(f"The backup failed, nothing was moved: {backup.error}")
        self.say(f"    {backup.filename}: {backup.size_bytes:,} bytes, {backup.file_count} upload(s)")
        self.say("3/5 migrating the target")
        self._target("migrate", "--noinput")
        with services.local_copy(backup) as archive_path:
            self.say("4/5 restoring the backup on the target")
            # Our own archive, made and verified a moment ago: the target may sign with another key (--target-env).
            self._target("restore", str(archive_path), "--yes", "--allow-foreign")
        self.say("5/5 comparing both sides")
        self._compare()

    # --- the target ------------------------------------------------------------------------------------------------
    def _target_env(self, pairs: list[str]) -> dict:
        env = {**os.environ, "DATABASE_URL": self.target_url, "DATABASE_POOL": "false"}
        for pair in pairs:
            name, sep, value = pair.partition("=")
            if not sep or not name:
                raise CommandError(f"--target-env takes NAME=VALUE, not {pair!r}.", returncode=REFUSED)
            env[name] = value
        return env

    def _parsed(self) -> dict:
        try:
            config = environ.Env.db_url_config(self.target_url)
        except Exception:  # noqa: BLE001 (any unparsable URL is refused in words)
            config = {}
        if config.get("ENGINE") not in ENGINES:
            raise CommandError(
                f"Nothing was changed: --to is not a database URL this app runs on ({self.target_url[:40]!r}); "
                "use sqlite:////path/to/db.sqlite3 or postgres://user:password@host:5432/name.",
                returncode=REFUSED,
            )
        return config

    def _described(self) -> str:
        """The target without its password."""
        config = self._parsed()
        if config["ENGINE"] == ENGINES[0]:
            return f"SQLite file {config['NAME']}"
        host, port = config.get("HOST") or "localhost", config.get("PORT") or 5432
        return f"PostgreSQL database {config.get('NAME')} on {host}:{port}"

    def _refuse_same_database(self) -> None:
        config, mine = self._parsed(), connection.settings_dict
        if config["ENGINE"] != mine["ENGINE"]:
            return
        if config["ENGINE"] == ENGINES[0]:
            same = Path(str(config["NAME"])).resolve() == Path(str(mine["NAME"])).resolve()
        else:
            where = (config.get("HOST") or "localhost", str(config.get("PORT") or 5432), config.get("NAME"))
            same = where == (mine.get("HOST") or "localhost", str(mine.get("PORT") or 5432), mine.get("NAME"))
        if same:
            raise CommandError("Nothing was changed: --to is this instance's own database.", returncode=REFUSED)

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]

    def _target(self, *args: str) -> None:
        """Run a manage.py command on the target, its output shown as it comes."""
        process = subprocess.Popen(  # noqa: S603 (our own manage.py, no shell)
            self._command(*args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for line in process.stdout:
            self.say(f"    target: {line.rstrip()}")
        if process.wait() != 0:
            raise CommandError(f"`manage.py {args[0]}` failed on the target (its output is above).")

    def _target_json(self, *args: str) -> dict:
        done = subprocess.run(self._command(*args), env=self.env, capture_output=True, text=True)  # noqa: S603
        if done.returncode == UNREACHABLE:
            message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no answer"
            raise CommandError(f"Nothing was changed: {message.removeprefix('CommandError: ')}", returncode=REFUSED)
        if done.returncode != 0:
            raise CommandError(f"`manage.py {args[0]}` failed on the target: {done.stderr.strip()[-500:]}")
        return json.loads(done.stdout)

    def _compare(self) -> None:
        mine = fingerprint.instance_fingerprint()
        theirs = self._target_json("instance_fingerprint")
        problems = fingerprint.differences(mine, theirs)
        tables = [label for label in mine["tables"] if label not in fingerprint.portable.RENEWED_BY_RESTORE]
        rows = sum(mine["tables"][label]["rows"] for label in tables)
        if problems:
            for problem in problems:
                self.stderr.write(self.style.ERROR(f"    differs: {problem}"))
            raise CommandError(
                f"The target differs from this instance in {len(problems)} place(s), listed above. Were the app's "
                "processes writing during the move? Stop them and run again with --force."
            )
        self.say(f"    identical: {len(tables)} tables, {rows:,} rows, {len(mine['households'])} household export(s)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Moved to {self._described()}. Point DATABASE_URL at it and start the app there; this database is "
                "left as it was."
            )
        )

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
