"""Named locks that hold across every process of every node: one backup or restore at a time, scheduled jobs run once.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of its own, not one of Django's: a
  restore closes Django's connections (and pg_restore replaces the tables) while it holds the lock. The server frees
  the lock when the holder's process dies and its connection drops.
- SQLite (one machine by nature): an exclusive `flock` on a file; the kernel frees it when the process dies.

`named_lock(name, wait=…)` raises LockBusy when another holder keeps the lock for longer than `wait` seconds.
"""

import contextlib
import fcntl
import hashlib
import time
from pathlib import Path

from django.db import connections

POLL_SECONDS = 0.05


class LockBusy(Exception):
    """Another process (on this node or another) holds the lock."""


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for `name` (signed, as PostgreSQL's bigint)."""
    return int.from_bytes(hashlib.sha256(f"spends:{name}".encode()).digest()[:8], "big", signed=True)


def _wait_for(try_once, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockBusy
        time.sleep(POLL_SECONDS)


def _dedicated_postgres_connection(alias: str):
    import psycopg

    wrapper = connections[alias]
    params = wrapper.get_connection_params()  # the database, user, host and OPTIONS Django would use, pool left out
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    params["application_name"] = "spends-lock"
    return psycopg.connect(**params, autocommit=True)


@contextlib.contextmanager
def _postgres_lock(name: str, wait: float, alias: str):
    key = lock_key(name)
    with _dedicated_postgres_connection(alias) as conn:

        def try_once() -> bool:
            return conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]

        _wait_for(try_once, wait)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a dropped connection has released it already
                conn.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextlib.contextmanager
def _file_lock(path: Path, wait: float):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:

        def try_once() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait_for(try_once, wait)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_lock_path(name: str, alias: str = "default") -> Path:
    """Beside the SQLite database file: a lock per database, as PostgreSQL's advisory locks are."""
    database = Path(str(connections[alias].settings_dict["NAME"]))
    return database.with_name(f".{database.name}.{name}.lock")


@contextlib.contextmanager
def named_lock(name: str, *, wait: float = 0.0, file: Path | None = None, alias: str = "default"):
    """Hold the lock `name` for the block, waiting up to `wait` seconds for it; raises LockBusy otherwise.
    On SQLite the lock is the file `file` (default: beside the database file). Not re-entrant."""
    if connections[alias].vendor == "postgresql":
        with _postgres_lock(name, wait, alias):
            yield
    else:
        with _file_lock(file or sqlite_lock_path(name, alias), wait):
            yield
