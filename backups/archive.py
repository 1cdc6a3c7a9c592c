"""Backup archives: one `.zip` with `manifest.json`, the database dump and the uploads. Pure functions over paths.

The manifest records the format version, app version, creation time, database engine, applied migrations and,
for every other member, its path, size and SHA-256; it is signed with HMAC-SHA256 over its canonical JSON (everything
but the signature itself, so the signature covers every member's SHA-256). Reading never trusts the sizes the zip or
the manifest declare: a member is read only up to the size its manifest declares (a zip bomb stops there), and the
declared total must fit on the disk. Nothing here touches the database or Django's storages.
"""

import datetime
import hashlib
import hmac
import json
import os
import shutil
import stat
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from spends.sizes import readable_size

FORMAT = "spends-tracker-backup"
# 1: the native dump and the uploads. 2 (#26): also database/portable.jsonl, described by the manifest's "portable"
# entry (backups.portable), which restores into the other engine. Both are read.
FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBER = "database/dump"
UPLOADS_PREFIX = "uploads/"
CHUNK = 1024 * 1024
SIGNATURE = "signature"
SIGNATURE_ALGORITHM = "HMAC-SHA256"
# Free space kept aside when checking that an archive's declared content fits on the disk.
DISK_MARGIN = 64 * 1024 * 1024


class ArchiveError(Exception):
    """The archive is not a valid, intact backup. The message says what is wrong, for the user."""


@dataclass(frozen=True)
class Member:
    """One file to put in the archive: `arcname` inside the zip, read from `source` on disk, or from the binary
    file object `opener()` returns (e.g. a Django storage's `open(name, "rb")`), in chunks."""

    arcname: str
    source: Path | None = None
    opener: Callable[[], BinaryIO] | None = None


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def canonical_manifest(manifest: dict) -> bytes:
    """The signed content: the manifest without its signature, as sorted, compact, ASCII JSON."""
    unsigned = {key: value for key, value in manifest.items() if key != SIGNATURE}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_signature(manifest: dict, key: bytes) -> str:
    return hmac.new(key, canonical_manifest(manifest), hashlib.sha256).hexdigest()


def signature_state(manifest: dict, keys: Iterable[bytes]) -> str:
    """ "valid" (made with one of `keys`), "missing" (unsigned: another installation or an older version), or
    "invalid" (changed after it was written, or signed with another key)."""
    signature = manifest.get(SIGNATURE)
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return "missing"
    if signature.get("algorithm") != SIGNATURE_ALGORITHM:
        return "invalid"
    for key in keys:
        if hmac.compare_digest(manifest_signature(manifest, key), signature["value"]):
            return "valid"
    return "invalid"


def _check_member_name(name: str) -> None:
    """Refuse anything that could land outside the target folder when extracted."""
    path = PurePosixPath(name)
    if not name or name.startswith("/") or "\\" in name or path.is_absolute() or ".." in path.parts:
        raise ArchiveError(f"The archive holds an unsafe path: {name!r}.")
    if ":" in path.parts[0]:
        raise ArchiveError(f"The archive holds an unsafe path: {name!r}.")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def write_archive(target: Path, *, meta: dict, members: Iterable[Member], signing_key: bytes | None = None) -> dict:
    """Write the archive to a temporary name beside `target`, re-read and verify it, then rename it into place.
    With `signing_key` the manifest carries its HMAC-SHA256 signature.

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
                # Uploads are mostly compressed already (JPEG, PDF): storing them is faster and as small.
                compress = zipfile.ZIP_STORED if member.arcname.startswith(UPLOADS_PREFIX) else zipfile.ZIP_DEFLATED
                if member.opener is not None:
                    sha256, size = _write_stream(archive, member, compress)
                else:
                    sha256, size = sha256_file(member.source)
                    archive.write(member.source, member.arcname, compress_type=compress)
                entries.append({"path": member.arcname, "size": size, "sha256": sha256})
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                **meta,
                "members": entries,
            }
            if signing_key is not None:
                manifest[SIGNATURE] = {
                    "algorithm": SIGNATURE_ALGORITHM,
                    "value": manifest_signature(manifest, signing_key),
                }
            archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True))
        verify_archive(tmp)  # re-read everything we wrote before it may count as a backup
        os.replace(tmp, target)
        return manifest
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_stream(archive: zipfile.ZipFile, member: Member, compress: int) -> tuple[str, int]:
    """Copy `member.opener()`'s bytes into the archive in chunks; returns their SHA-256 and size."""
    info = zipfile.ZipInfo(member.arcname, date_time=time.localtime()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16  # a regular file, like archive.write() records
    digest, size = hashlib.sha256(), 0
    with member.opener() as source, archive.open(info, "w", force_zip64=True) as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


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
    if any(m["size"] < 0 for m in members):
        raise ArchiveError("The backup's manifest declares a negative file size.")
    return manifest


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"The file is not a readable .zip archive ({exc}).") from None


def _check_structure(archive: zipfile.ZipFile, free_bytes: int | None) -> dict:
    """Names, links, duplicates, manifest, and each member's zip header against its manifest entry. Reads no
    member data except the manifest."""
    infos = {}
    for info in archive.infolist():
        _check_member_name(info.filename)
        if _is_symlink(info):
            raise ArchiveError(f"The archive holds a symbolic link: {info.filename!r}.")
        if info.filename in infos:
            raise ArchiveError(f"The archive holds {info.filename!r} twice.")
        infos[info.filename] = info
    manifest = read_manifest(archive)
    listed = {m["path"]: m for m in manifest["members"]}
    for name in listed:
        _check_member_name(name)
    unlisted = sorted(n for n in set(infos) - set(listed) - {MANIFEST_NAME} if not n.endswith("/"))
    if unlisted:
        raise ArchiveError(f"The archive holds files its manifest does not list: {', '.join(unlisted[:5])}.")
    declared = sum(entry["size"] for entry in listed.values())
    if free_bytes is not None and declared > free_bytes:
        raise ArchiveError(
            f"The backup declares {readable_size(declared)} of content, more than the free disk space "
            f"({readable_size(free_bytes)}): it cannot be restored here (or its manifest lies)."
        )
    for name, entry in listed.items():
        if name not in infos:
            raise ArchiveError(f"The archive is missing {name!r}, which its manifest lists.")
        if infos[name].file_size != entry["size"]:
            raise ArchiveError(
                f"{name!r} in the archive does not match its checksum: the zip says {infos[name].file_size:,} "
                f"bytes where the manifest declares {entry['size']:,}."
            )
    return manifest


def free_space(folder: Path) -> int:
    """Bytes an archive's content may take in `folder` (its disk's free space less a margin)."""
    folder = Path(folder)
    while not folder.exists():
        folder = folder.parent
    return max(0, shutil.disk_usage(folder).free - DISK_MARGIN)


def bounded_chunks(archive: zipfile.ZipFile, name: str, declared_size: int):
    """A member's bytes, refused as soon as they exceed the size its manifest declares (never decompressed in
    full: a zip bomb stops there)."""
    size = 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(min(CHUNK, declared_size - size + 1)):
                size += len(chunk)
                if size > declared_size:
                    raise ArchiveError(
                        f"{name!r} in the archive holds more than the {declared_size:,} bytes its manifest "
                        "declares: the archive is damaged or hostile."
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:  # CRC, inflate, truncation
        raise ArchiveError(f"{name!r} in the archive is damaged ({exc}).") from None


def inspect_archive(path: Path, *, free_bytes: int | None = None) -> dict:
    """The quick checks (structure, manifest, declared sizes, disk space), reading no member's data. Returns the
    manifest; raises ArchiveError."""
    with _open(path) as archive:
        return _check_structure(archive, free_bytes)


def verify_archive(path: Path, *, free_bytes: int | None = None) -> dict:
    """Check structure, paths and every member's size and SHA-256 against the manifest. Returns the manifest.

    Raises ArchiveError naming the first problem found. Reads every byte (no more than declared); changes nothing.
    """
    with _open(path) as archive:
        manifest = _check_structure(archive, free_bytes)
        for entry in manifest["members"]:
            digest, size = hashlib.sha256(), 0
            for chunk in bounded_chunks(archive, entry["path"], entry["size"]):
                digest.update(chunk)
                size += len(chunk)
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise ArchiveError(
                    f"{entry['path']!r} in the archive does not match its checksum: the file is damaged."
                )
        return manifest


def _declared_sizes(archive: zipfile.ZipFile) -> dict[str, int]:
    return {m["path"]: m["size"] for m in read_manifest(archive)["members"]}


def iter_members(path: Path, *, prefix: str, names: Iterable[str] | None = None) -> Iterator[tuple[str, int, Iterator]]:
    """(name, declared size, chunks) of every member under `prefix` (or of `names`), each read no further than its
    declared size. Only call on a verified archive; consume each member's chunks before the next one."""
    with _open(path) as archive:
        declared = _declared_sizes(archive)
        wanted = names if names is not None else [n for n in archive.namelist() if n.startswith(prefix)]
        for name in wanted:
            _check_member_name(name)
            if name not in declared:
                raise ArchiveError(f"{name!r} is not listed in the archive's manifest.")
            yield name, declared[name], bounded_chunks(archive, name, declared[name])


def extract_uploads(path: Path, target_dir: Path, *, names: Iterable[str] | None = None) -> tuple[int, int]:
    """Extract upload members into `target_dir` (their path below `uploads/` kept), skipping files already present.

    Only call on a verified archive. Each file is written to a temporary name and renamed, so an interrupted
    extraction never leaves a half-written upload. Returns (restored, skipped).
    """
    target_dir = Path(target_dir)
    restored = skipped = 0
    for name, _, chunks in iter_members(path, prefix=UPLOADS_PREFIX, names=names):
        destination = target_dir / name
        if destination.exists():
            skipped += 1
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".partial-", dir=destination.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp_name, destination)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        restored += 1
    return restored, skipped


def extract_member(path: Path, name: str, destination: Path) -> None:
    """Copy one member (e.g. the database dump) out of a verified archive, no more than its declared size."""
    _check_member_name(name)
    with _open(path) as archive:
        declared = _declared_sizes(archive)
        if name not in declared:
            raise ArchiveError(f"{name!r} is not listed in the archive's manifest.")
        with open(destination, "wb") as out:
            for chunk in bounded_chunks(archive, name, declared[name]):
                out.write(chunk)


def utc_timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
