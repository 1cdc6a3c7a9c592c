"""An archive made before portable dumps (format version 1) of a SQLite database, restored on PostgreSQL: its dump is
a SQLite file, so a copy of it is migrated to this version's schema (`manage.py migrate` in a child process whose
DATABASE_URL is the copy: data migrations write through the default database) and its portable dump is written from
the copy. Everything happens in temporary files; the live database is untouched until the portable restore."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from backups import archive, portable
from backups.common import engine

MIGRATE_TIMEOUT = 15 * 60


def converts(manifest: dict) -> bool:
    """The archive carries only a native SQLite dump and this installation runs on another engine."""
    return manifest.get("database_engine") == "sqlite" and engine() != "sqlite" and not manifest.get("portable")


def portable_from_sqlite(path: Path, folder: Path) -> tuple[Path, dict]:
    """The archive's SQLite dump migrated (in `folder`) and its portable dump written there. Returns the dump and its
    manifest entry; raises ValidationError when the old database does not migrate."""
    copy = folder / "old.sqlite3"
    archive.extract_member(path, archive.DATABASE_MEMBER, copy)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{copy}", "DATABASE_POOL": "false"}
    try:
        subprocess.run(  # noqa: S603 (our own manage.py, no shell)
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=env,
            check=True,
            capture_output=True,
            timeout=MIGRATE_TIMEOUT,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        tail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip().splitlines()[-1:]
        raise ValidationError(
            {"file": [f"The backup's SQLite database could not be brought to this version's schema: {' '.join(tail)}"]}
        ) from None
    dump = folder / "portable.jsonl"
    with portable.database_file(copy) as alias:
        entry = portable.write_portable(dump, using=alias)
    return dump, entry
