"""Uploads in and out of archives through the storage API of the apps' registered upload sources
(spends.backup_registry), so a remote storage (S3) works like the local folder. Archive member names are the storage
names (`uploads/ab/cd/<sha256>`), as in every archive written before."""

import contextlib
import tempfile
from pathlib import Path, PurePosixPath

from django.core.files import File

from backups import archive
from spends import backup_registry

SPOOL_BYTES = 8 * 1024 * 1024  # an upload smaller than this is staged in memory on its way into the storage


def upload_members(*, exclude: set[str] = frozenset()) -> list[archive.Member]:
    """Every registered source's stored files, except `exclude` (already in an incremental's chain), read from
    their storage when the archive is written."""
    members = {}
    for source in backup_registry.upload_sources():
        store = source.storage
        for name in source.names():
            if not name.startswith(source.prefix) or PurePosixPath(name).name.startswith("."):
                continue  # not the source's own, or a hidden leftover (a partial file of an older restore)
            if name not in exclude:
                members[name] = archive.Member(name, opener=lambda store=store, name=name: store.open(name, "rb"))
    return [members[name] for name in sorted(members)]


def _present(store, name: str, size: int) -> bool:
    """Already stored, whole: a file cut short by an interrupted restore has fewer bytes and is written again."""
    if not store.exists(name):
        return False
    with contextlib.suppress(NotImplementedError, OSError):
        if store.size(name) == size:
            return True
    store.delete(name)
    return False


def _save(store, name: str, size: int, chunks, spool_dir: Path) -> None:
    """Stage the member's bytes (bounded by its declared size), then save them under exactly `name`."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=spool_dir) as staged:
        for chunk in chunks:
            staged.write(chunk)
        staged.seek(0)
        content = File(staged, name=PurePosixPath(name).name)
        content.size = size
        saved = store.save(name, content)
    if saved != name:  # someone stored the same content meanwhile; the storage kept ours under another name
        store.delete(saved)


def restore_uploads(path: Path, spool_dir: Path) -> tuple[int, int, list[str]]:
    """Put the archive's uploads into their sources' storages, skipping those already there.
    Returns (restored, skipped, problems); an upload no installed app takes is a problem."""
    restored = skipped = 0
    orphans = []
    for name, size, chunks in archive.iter_members(path, prefix=archive.UPLOADS_PREFIX):
        source = backup_registry.upload_source_for(name)
        if source is None:
            orphans.append(name)
            continue
        store = source.storage
        if _present(store, name, size):
            skipped += 1
            continue
        _save(store, name, size, chunks, spool_dir)
        restored += 1
    problems = [f"upload {name} was not restored: no installed app keeps files under it" for name in orphans[:10]]
    return restored, skipped, problems
