"""Backup archives: one `.zip` with `manifest.json`, the database dump and the uploads. Pure functions over paths.

The manifest records the format version, app version, creation time, database engine, applied migrations and,
for every other member, its path, size and SHA-256. Nothing here touches the database or Django's storages.
"""

import datetime
import hashlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FORMAT = "spends-tracker-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBER = "database/dump"
UPLOADS_PREFIX = "uploads/"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive is not a valid, intact backup. The message says what is wrong, for the user."""


@dataclass(frozen=True)
class Member:
    """One file to put in the archive: `arcname` inside the zip, read from `source` on disk."""

    arcname: str
    source: Path


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_member_name(name: str) -> None:
    """Refuse anything that could land outside the target folder when extracted."""
    path = PurePosixPath(name)
    if not name or name.startswith("/") or "\\" in name or path.is_absolute() or ".." in path.parts:
        raise ArchiveError(f"The archive holds an unsafe path: {name!r}.")
    if ":" in path.parts[0]:
        raise ArchiveError(f"The archive holds an unsafe path: {name!r}.")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def write_archive(target: Path, *, meta: dict, members: Iterable[Member]) -> dict:
    """Write the archive to a temporary name beside `target`, re-read and verify it, then rename it into place.

    Returns the manifest written. Raises ArchiveError if verification fails (the temporary file is removed).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    entries = []
    fd, tmp_name = tempfile.mkstemp(prefix=".partial-", suffix=".zip", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for member in members:
                _check_member_name(member.arcname)
                sha256, size = sha256_file(member.source)
                # Uploads are mostly compressed already (JPEG, PDF): storing them is faster and as small.
                compress = zipfile.ZIP_STORED if member.arcname.startswith(UPLOADS_PREFIX) else zipfile.ZIP_DEFLATED
                archive.write(member.source, member.arcname, compress_type=compress)
                entries.append({"path": member.arcname, "size": size, "sha256": sha256})
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                **meta,
                "members": entries,
            }
            archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True))
        verify_archive(tmp)  # re-read everything we wrote before it may count as a backup
        os.replace(tmp, target)
        return manifest
    finally:
        if tmp.exists():
            tmp.unlink()


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        raw = archive.read(MANIFEST_NAME)
    except KeyError:
        raise ArchiveError("This is not a Spends Tracker backup: manifest.json is missing.") from None
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ArchiveError("The backup's manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("This is not a Spends Tracker backup (unknown manifest format).")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise ArchiveError("The backup's manifest has no format version.")
    if version > FORMAT_VERSION:
        raise ArchiveError(
            f"The backup was written in format version {version}, newer than this installation reads "
            f"({FORMAT_VERSION}). Upgrade Spends Tracker first."
        )
    members = manifest.get("members")
    if not isinstance(members, list) or not all(
        isinstance(m, dict)
        and isinstance(m.get("path"), str)
        and isinstance(m.get("size"), int)
        and isinstance(m.get("sha256"), str)
        for m in members
    ):
        raise ArchiveError("The backup's manifest lists its files in an unreadable form.")
    return manifest


def verify_archive(path: Path) -> dict:
    """Check structure, paths and every member's size and SHA-256 against the manifest. Returns the manifest.

    Raises ArchiveError naming the first problem found. Reads every byte; changes nothing.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"The file is not a readable .zip archive ({exc}).") from None
    with archive:
        infos = archive.infolist()
        names = set()
        for info in infos:
            _check_member_name(info.filename)
            if _is_symlink(info):
                raise ArchiveError(f"The archive holds a symbolic link: {info.filename!r}.")
            if info.filename in names:
                raise ArchiveError(f"The archive holds {info.filename!r} twice.")
            names.add(info.filename)
        manifest = read_manifest(archive)
        listed = {m["path"]: m for m in manifest["members"]}
        for name in listed:
            _check_member_name(name)
        unlisted = sorted(n for n in names - set(listed) - {MANIFEST_NAME} if not n.endswith("/"))
        if unlisted:
            raise ArchiveError(f"The archive holds files its manifest does not list: {', '.join(unlisted[:5])}.")
        for name, entry in listed.items():
            if name not in names:
                raise ArchiveError(f"The archive is missing {name!r}, which its manifest lists.")
            digest, size = hashlib.sha256(), 0
            try:
                with archive.open(name) as handle:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:  # CRC, inflate, truncation
                raise ArchiveError(f"{name!r} in the archive is damaged ({exc}).") from None
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise ArchiveError(f"{name!r} in the archive does not match its checksum: the file is damaged.")
        return manifest


def extract_uploads(path: Path, target_dir: Path, *, names: Iterable[str] | None = None) -> tuple[int, int]:
    """Extract upload members into `target_dir` (their path below `uploads/` kept), skipping files already present.

    Only call on a verified archive. Each file is written to a temporary name and renamed, so an interrupted
    extraction never leaves a half-written upload. Returns (restored, skipped).
    """
    target_dir = Path(target_dir)
    restored = skipped = 0
    with zipfile.ZipFile(path) as archive:
        wanted = names if names is not None else [n for n in archive.namelist() if n.startswith(UPLOADS_PREFIX)]
        for name in wanted:
            _check_member_name(name)
            destination = target_dir / name
            if destination.exists():
                skipped += 1
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".partial-", dir=destination.parent)
            try:
                with os.fdopen(fd, "wb") as out, archive.open(name) as src:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
                os.replace(tmp_name, destination)
            finally:
                if os.path.exists(tmp_name):
                    os.unlink(tmp_name)
            restored += 1
    return restored, skipped


def extract_member(path: Path, name: str, destination: Path) -> None:
    """Copy one member (e.g. the database dump) out of a verified archive."""
    _check_member_name(name)
    with zipfile.ZipFile(path) as archive, archive.open(name) as src, open(destination, "wb") as out:
        while chunk := src.read(CHUNK):
            out.write(chunk)


def utc_timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
