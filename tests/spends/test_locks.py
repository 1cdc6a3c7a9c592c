"""Named locks across processes and nodes (spends.locks): a PostgreSQL advisory lock on a connection of its own, a
file lock on SQLite. Competitors are threads here (each lock opens its own connection, as another process or node
would) and a real process that is killed while it holds the lock."""

import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from spends import locks
from tests.backups.processes import ROOT, child_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_holder_is_refused_while_the_first_holds_it_then_gets_it(tmp_path):
    file = tmp_path / "x.lock"
    with locks.named_lock("test-lock", file=file):
        with pytest.raises(locks.LockBusy), locks.named_lock("test-lock", file=file):
            pass
        with locks.named_lock("another-lock", file=tmp_path / "y.lock"):  # other names are independent
            pass
    with locks.named_lock("test-lock", file=file):  # released
        pass


def test_two_threads_competing_only_one_runs(tmp_path):
    file = tmp_path / "x.lock"
    start = threading.Barrier(2)
    ran, refused = [], []

    def compete(name):
        start.wait()
        try:
            with locks.named_lock("test-lock", file=file):
                ran.append(name)
                time.sleep(0.3)  # holding it while the other tries (not a timing assertion)
        except locks.LockBusy:
            refused.append(name)

    threads = [threading.Thread(target=compete, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ran) == 1 and len(refused) == 1


def test_a_waiter_gets_the_lock_once_the_holder_lets_go(tmp_path):
    file = tmp_path / "x.lock"
    holding, release = threading.Event(), threading.Event()

    def hold():
        with locks.named_lock("test-lock", file=file):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    threading.Timer(0.2, release.set).start()
    with locks.named_lock("test-lock", file=file, wait=10):
        assert release.is_set()  # only after the holder was told to let go
    holder.join()


HOLD_AND_WAIT = """
import sys, time, django
django.setup()
from pathlib import Path
from spends import locks
with locks.named_lock("test-lock", file=Path(sys.argv[1])):
    print("HELD", flush=True)
    time.sleep(60)
"""


def test_a_killed_holder_frees_the_lock(settings, tmp_path):
    file = tmp_path / "x.lock"
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", HOLD_AND_WAIT, str(file)],
        cwd=ROOT,
        env=child_env(settings),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "HELD"
        with pytest.raises(locks.LockBusy), locks.named_lock("test-lock", file=file):
            pass
    finally:
        child.kill()
        child.wait()
    with locks.named_lock("test-lock", file=file, wait=10):  # the server (or kernel) freed it with the process
        pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_on_postgresql_it_is_an_advisory_lock_that_outlives_djangos_connections(tmp_path):
    from django.db import connections

    with locks.named_lock("test-lock"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %s",
                [locks.lock_key("test-lock") & 0xFFFFFFFF],
            )
            assert cursor.fetchone()[0] == 1
        connections.close_all()  # a restore does this, and pg_restore replaces every table
        with pytest.raises(locks.LockBusy), locks.named_lock("test-lock"):
            pass
