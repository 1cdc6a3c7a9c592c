"""manage.py move_instance between SQLite and PostgreSQL in both directions, and an archive made on one engine
restored through the API on the other: everything compared (every table's rows by value, each household's JSON export,
the attachments' bytes). Instances run in child processes (tests/moving/conftest.py)."""

from pathlib import Path

import pytest
from django.db import connection

from moving import fingerprint
from tests.moving.conftest import comparable

pytestmark = pytest.mark.django_db(transaction=True)

SEED = ("shell", "-c", "from tests.backups.varied import make; make()")


def seeded(instance):
    instance.run("migrate", "--noinput", "-v", "0")
    instance.run(*SEED)
    return instance


@pytest.mark.parametrize(("source_engine", "target_engine"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_move_instance_carries_everything_to_the_other_engine(instance, source_engine, target_engine):
    if source_engine != connection.vendor:
        # Each direction once per CI (a move is minutes of child processes): from SQLite in the SQLite pass, from
        # PostgreSQL in the PostgreSQL pass.
        pytest.skip(f"moves from {source_engine} run in the {source_engine} pass")
    source, target = seeded(instance(source_engine)), instance(target_engine)
    before = source.fingerprint()
    assert len(before["households"]) == 3 and before["tables"]["purchases.purchase"]["rows"] == 3

    moved = source.run("move_instance", "--to", target.url, *target_env(target))
    assert "identical:" in moved.stdout and "Moved to" in moved.stdout, moved.stdout
    for step in ("1/5 checking", "2/5 backing up", "3/5 migrating", "4/5 restoring", "5/5 comparing"):
        assert step in moved.stdout
    assert target.fingerprint()["engine"] == ("postgresql" if target_engine == "postgresql" else "sqlite")
    assert comparable(target.fingerprint()) == comparable(before)
    assert comparable(source.fingerprint()) == comparable(before)  # the source is left as it was
    uploads = source.uploads()
    assert len(uploads) == 2 and target.uploads() == uploads  # the attachments' files, byte for byte

    # Again: the target now holds data, so it is refused (exit code 2) and nothing changes.
    again = source.run("move_instance", "--to", target.url, *target_env(target), check=False)
    assert again.returncode == 2 and "already holds data (3 user account(s), 3 purchase(s))" in again.stderr
    assert comparable(target.fingerprint()) == comparable(before)

    if source_engine != "sqlite":
        return  # --force is the same code either way: checked once per CI (a third move costs a minute)
    # --force replaces the target's data with the source's as it is now, after a restore point of the target's.
    source.run("shell", "-c", "from purchases.models import Purchase; Purchase.objects.update(notes='changed')")
    changed = source.fingerprint()
    assert comparable(changed) != comparable(before)
    points = set((target.folder / "backups").glob("spends-backup-*.zip"))
    forced = source.run("move_instance", "--to", target.url, *target_env(target), "--force")
    assert "identical:" in forced.stdout
    assert comparable(target.fingerprint()) == comparable(changed)
    assert len(set((target.folder / "backups").glob("spends-backup-*.zip")) - points) == 1  # the restore point


def target_env(target) -> list[str]:
    return ["--target-env", f"MEDIA_ROOT={target.media}", "--target-env", f"BACKUP_DIR={target.folder / 'backups'}"]


def test_move_instance_refuses_an_unreachable_target_or_its_own_database(instance):
    source = instance("sqlite")
    source.run("migrate", "--noinput", "-v", "0")
    gone = source.run("move_instance", "--to", "postgres://postgres@127.0.0.1:1/nothing", check=False)
    assert gone.returncode == 2 and "Nothing was changed: The database cannot be reached" in gone.stderr
    own = source.run("move_instance", "--to", source.url, check=False)
    assert own.returncode == 2 and "this instance's own database" in own.stderr
    bad = source.run("move_instance", "--to", "not a url", check=False)
    assert bad.returncode == 2 and "not a database URL" in bad.stderr


def test_an_archive_of_the_other_engine_restores_through_the_api(instance, settings, superuser_client):
    other = seeded(instance("postgresql" if connection.vendor == "sqlite" else "sqlite"))
    other.run("backup", "--kind", "full")
    archive = next((other.folder / "backups").glob("spends-backup-*.zip"))
    expected = other.fingerprint()
    with open(archive, "rb") as handle:
        response = superuser_client.post("/api/backup/restore", {"file": handle, "confirm": "true"}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["integrity"] == {"ok": True, "problems": []}
    assert response.json()["files_restored"] == 2
    here = fingerprint.instance_fingerprint()
    assert here["engine"] == connection.vendor != expected["engine"]
    assert comparable(here) == comparable(expected)
    media = Path(settings.MEDIA_ROOT)
    assert {str(p.relative_to(media)): p.read_bytes() for p in media.rglob("*") if p.is_file()} == other.uploads()
