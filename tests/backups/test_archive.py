"""backups.archive: write → verify → extract, and every way a damaged or hostile archive is refused."""

import json
import stat
import zipfile

import pytest

from backups import archive
from backups.archive import ArchiveError, Member

pytestmark = pytest.mark.local_storage  # archives as files on disk, no storage involved


@pytest.fixture
def sources(tmp_path):
    src = tmp_path / "src"
    (src / "uploads" / "ab" / "cd").mkdir(parents=True)
    db = src / "dump"
    db.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 100)
    upload = src / "uploads" / "ab" / "cd" / ("abcd" + "0" * 60)
    upload.write_bytes(b"%PDF-1.7 receipt")
    return [Member(archive.DATABASE_MEMBER, db), Member("uploads/ab/cd/" + upload.name, upload)]


@pytest.fixture
def backup_zip(tmp_path, sources):
    target = tmp_path / "out" / "backup.zip"
    archive.write_archive(target, meta={"app_version": "0.1.0", "database_engine": "sqlite"}, members=sources)
    return target


def test_written_archive_verifies_and_lists_every_member(backup_zip, sources):
    manifest = archive.verify_archive(backup_zip)
    assert manifest["format"] == archive.FORMAT and manifest["format_version"] == archive.FORMAT_VERSION
    assert manifest["database_engine"] == "sqlite"
    by_path = {m["path"]: m for m in manifest["members"]}
    assert set(by_path) == {m.arcname for m in sources}
    for member in sources:
        digest, size = archive.sha256_file(member.source)
        assert by_path[member.arcname] == {"path": member.arcname, "size": size, "sha256": digest}
    assert [p.name for p in backup_zip.parent.iterdir()] == ["backup.zip"]  # no temporary file left


def test_extract_uploads_restores_bytes_and_skips_present_files(backup_zip, sources, tmp_path):
    target = tmp_path / "media"
    assert archive.extract_uploads(backup_zip, target) == (1, 0)
    restored = target / sources[1].arcname
    assert restored.read_bytes() == sources[1].source.read_bytes()
    assert archive.extract_uploads(backup_zip, target) == (0, 1)


def _rewrite(path, transform):
    """Copy the zip member by member through `transform(name, data) -> (name, data) | None`."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in items:
            result = transform(info.filename, data)
            if result is not None:
                dst.writestr(result[0], result[1])


def test_one_flipped_byte_is_rejected(backup_zip):
    raw = bytearray(backup_zip.read_bytes())
    offset = raw.index(b"%PDF-1.7 receipt") + 3  # inside a stored (uncompressed) upload
    raw[offset] ^= 0x01
    backup_zip.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError, match="damaged"):
        archive.verify_archive(backup_zip)


def test_changed_member_with_valid_zip_crc_is_rejected_by_checksum(backup_zip):
    _rewrite(backup_zip, lambda n, d: (n, d + b"x") if n == archive.DATABASE_MEMBER else (n, d))
    with pytest.raises(ArchiveError, match="checksum"):
        archive.verify_archive(backup_zip)


def test_path_outside_the_target_is_rejected(backup_zip):
    with zipfile.ZipFile(backup_zip, "a") as z:
        z.writestr("../evil.txt", b"x")
    with pytest.raises(ArchiveError, match="unsafe path"):
        archive.verify_archive(backup_zip)


def test_symlink_member_is_rejected(backup_zip):
    info = zipfile.ZipInfo("uploads/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(backup_zip, "a") as z:
        z.writestr(info, "/etc/passwd")
    with pytest.raises(ArchiveError, match="symbolic link|does not list"):
        archive.verify_archive(backup_zip)


def test_missing_manifest_is_rejected(backup_zip):
    _rewrite(backup_zip, lambda n, d: None if n == archive.MANIFEST_NAME else (n, d))
    with pytest.raises(ArchiveError, match="manifest.json is missing"):
        archive.verify_archive(backup_zip)


def test_newer_format_version_is_refused(backup_zip):
    def bump(name, data):
        if name != archive.MANIFEST_NAME:
            return name, data
        manifest = json.loads(data)
        manifest["format_version"] = archive.FORMAT_VERSION + 1
        return name, json.dumps(manifest)

    _rewrite(backup_zip, bump)
    with pytest.raises(ArchiveError, match="newer"):
        archive.verify_archive(backup_zip)


def test_member_missing_from_the_zip_is_rejected(backup_zip):
    _rewrite(backup_zip, lambda n, d: None if n.startswith("uploads/") else (n, d))
    with pytest.raises(ArchiveError, match="missing"):
        archive.verify_archive(backup_zip)


def test_unlisted_extra_member_is_rejected(backup_zip):
    with zipfile.ZipFile(backup_zip, "a") as z:
        z.writestr("uploads/zz/zz/extra", b"x")
    with pytest.raises(ArchiveError, match="does not list"):
        archive.verify_archive(backup_zip)


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_not_a_zip_is_rejected(tmp_path, content):
    path = tmp_path / "x.zip"
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match="not a readable .zip"):
        archive.verify_archive(path)


def test_write_refuses_unsafe_member_names_and_leaves_nothing(tmp_path, sources):
    with pytest.raises(ArchiveError):
        archive.write_archive(tmp_path / "o" / "b.zip", meta={}, members=[Member("../x", sources[0].source)])
    assert list((tmp_path / "o").iterdir()) == []
