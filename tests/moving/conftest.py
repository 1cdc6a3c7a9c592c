"""Instances on either engine in child processes (`manage.py` with their own DATABASE_URL, MEDIA_ROOT and
BACKUP_DIR), for the moves between SQLite and PostgreSQL. PostgreSQL is the server of the PostgreSQL run, or on a
SQLite run SPENDS_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres); without one the tests
that need it are skipped (the PostgreSQL run covers both directions)."""

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
_numbers = itertools.count()


def pg_server() -> dict | None:
    """Connection settings of a PostgreSQL server scratch databases can be made on, or None."""
    import environ
    import psycopg

    if connection.vendor == "postgresql":
        mine = connection.settings_dict
        config = {
            "host": mine["HOST"],
            "port": mine["PORT"] or 5432,
            "user": mine["USER"],
            "password": mine["PASSWORD"],
        }
    else:
        url = os.environ.get("SPENDS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        parsed = environ.Env.db_url_config(url)
        config = {k.lower(): parsed.get(k) for k in ("HOST", "PORT", "USER", "PASSWORD")}
    config = {k: v for k, v in config.items() if v not in (None, "")}
    try:
        with psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **config):
            return config
    except psycopg.OperationalError:
        return None


@dataclass
class Instance:
    url: str
    folder: Path

    @property
    def media(self) -> Path:
        return self.folder / "media"

    @property
    def env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "MEDIA_ROOT": str(self.media),
            "BACKUP_DIR": str(self.folder / "backups"),
            "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check:
            assert done.returncode == 0, f"manage.py {args[0]}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    def fingerprint(self) -> dict:
        return json.loads(self.run("instance_fingerprint").stdout)

    def uploads(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.media)): p.read_bytes() for p in self.media.rglob("*") if p.is_file()}


@pytest.fixture
def instance(tmp_path):
    """instance("sqlite" | "postgresql"): a new, empty instance (its database not migrated yet)."""
    made = []
    server = None

    def make(engine: str) -> Instance:
        nonlocal server
        folder = tmp_path / f"instance-{len(made)}-{engine}"
        folder.mkdir()
        if engine == "sqlite":
            made.append(Instance(f"sqlite:///{folder / 'db.sqlite3'}", folder))
            return made[-1]
        import psycopg

        server = server or pg_server()
        if server is None:
            pytest.skip("no PostgreSQL server (set SPENDS_TEST_POSTGRES_URL)")
        name = f"spends_move_{os.getpid()}_{next(_numbers)}"
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        auth = server["user"] + (f":{server['password']}" if server.get("password") else "")
        url = f"postgres://{auth}@{server.get('host', '127.0.0.1')}:{server.get('port', 5432)}/{name}"
        made.append(Instance(url, folder))
        made[-1].pg_name = name
        return made[-1]

    yield make
    for item in made:
        if hasattr(item, "pg_name"):
            import psycopg

            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{item.pg_name}" WITH (FORCE)')


def comparable(fingerprint: dict) -> dict:
    """A fingerprint without the data versions (a restore renews them on purpose) or the engine."""
    from backups.portable import RENEWED_BY_RESTORE

    tables = {k: v for k, v in fingerprint["tables"].items() if k not in RENEWED_BY_RESTORE}
    return {"tables": tables, "households": fingerprint["households"]}


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(superuser):
    from tests.conftest import token_client

    return token_client(superuser)
