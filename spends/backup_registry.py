"""What the apps tell backups about their data. Backups import no domain app: each app registers, in its
`AppConfig.ready()`, the integrity checks run after a restore, the uploads it keeps in a storage (enumerated and
restored through the storage API, so any Django storage works) and a line for the admin's restore confirmation.

Plumbing, not part of `backups` (#19): every app registers here, and backups sits above them all, so in `backups`
this module would be the one import of every app into a higher layer. It imports nothing of ours (no models), so any
app may import it while the app registry loads.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

UPLOADS_PREFIX = "uploads/"  # archive members under it are uploads (backups.archive stores them uncompressed)


@dataclass(frozen=True)
class UploadSource:
    """Files an app keeps in `STORAGES[storage_alias]` under `prefix`. `names()` yields their storage names, which
    are also their names in the archive (e.g. `uploads/ab/cd/<sha256>`)."""

    prefix: str
    names: Callable[[], Iterable[str]]
    storage_alias: str = "default"

    @property
    def storage(self):
        from django.core.files.storage import storages

        return storages[self.storage_alias]


_integrity_checks: list[Callable[[], list[str]]] = []
_upload_sources: dict[str, UploadSource] = {}
_summaries: list[Callable[[], str]] = []
_after_restore: list[Callable[[], None]] = []


def register_integrity_check(check: Callable[[], list[str]]) -> None:
    """`check()` returns the problems found (plain sentences; empty when all is well). Run after every restore."""
    if check not in _integrity_checks:
        _integrity_checks.append(check)


def register_uploads(*, prefix: str, names: Callable[[], Iterable[str]], storage_alias: str = "default") -> None:
    """Back up the files `names()` lists from `STORAGES[storage_alias]`, and restore archive members under
    `prefix` into that storage. `prefix` lies under `uploads/` and ends with a slash."""
    if not prefix.startswith(UPLOADS_PREFIX) or not prefix.endswith("/"):
        raise ValueError(f"An upload prefix must lie under {UPLOADS_PREFIX!r} and end with '/': {prefix!r}.")
    _upload_sources[prefix] = UploadSource(prefix=prefix, names=names, storage_alias=storage_alias)


def register_summary(summary: Callable[[], str]) -> None:
    """`summary()` says what of the current data a restore would replace, e.g. "12 purchases of 2 household(s)"."""
    if summary not in _summaries:
        _summaries.append(summary)


def register_after_restore(hook: Callable[[], None]) -> None:
    """`hook()` runs once the restored database is migrated, in one transaction with the other hooks, before the
    integrity checks: to rebuild what is derived from the restored rows (purchases: the analytics summaries)."""
    if hook not in _after_restore:
        _after_restore.append(hook)


def after_restore_hooks() -> list[Callable[[], None]]:
    return list(_after_restore)


def integrity_checks() -> list[Callable[[], list[str]]]:
    return list(_integrity_checks)


def upload_sources() -> list[UploadSource]:
    return list(_upload_sources.values())


def upload_source_for(name: str) -> UploadSource | None:
    """The source whose prefix holds archive member `name` (the longest prefix wins), or None."""
    matches = [source for prefix, source in _upload_sources.items() if name.startswith(prefix)]
    return max(matches, key=lambda source: len(source.prefix), default=None)


def summaries() -> list[str]:
    return [summary() for summary in _summaries]
