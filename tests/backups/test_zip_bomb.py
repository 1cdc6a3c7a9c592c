"""A zip bomb with a false size in its manifest is refused at the declared size, never decompressed in full
(issue #18: 3 GB were inflated before the refusal). Small and fast: 50 MB of zeros declared as 1 KB."""

import hashlib
import io
import json
import zipfile

import pytest

from backups import archive
from backups.archive import ArchiveError

pytestmark = pytest.mark.local_storage  # archives as files on disk, no storage involved

BOMB_SIZE = 50 * 1024 * 1024
DECLARED = 1024


class CountingFile(io.RawIOBase):
    """A real file, counting the bytes read from it."""

    def __init__(self, path):
        self._handle = open(path, "rb")  # noqa: SIM115
        self.bytes_read = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        return self._handle.seek(offset, whence)

    def tell(self):
        return self._handle.tell()

    def read(self, size=-1):
        data = self._handle.read(size)
        self.bytes_read += len(data)
        return data

    def close(self):
        self._handle.close()
        super().close()


def write_bomb(path, *, declared=DECLARED, members=None):
    """A zip whose manifest declares `declared` bytes for a dump that inflates to 50 MB of zeros."""
    manifest = {
        "format": archive.FORMAT,
        "format_version": archive.FORMAT_VERSION,
        "database_engine": "sqlite",
        "members": members or [{"path": archive.DATABASE_MEMBER, "size": declared, "sha256": "0" * 64}],
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open(archive.DATABASE_MEMBER, "w", force_zip64=True) as out:
            zeros = bytes(archive.CHUNK)
            for _ in range(BOMB_SIZE // len(zeros)):
                out.write(zeros)
        z.writestr(archive.MANIFEST_NAME, json.dumps(manifest))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return write_bomb(tmp_path_factory.mktemp("bomb") / "bomb.zip")


def compressed_size(path) -> int:
    with zipfile.ZipFile(path) as z:
        return z.getinfo(archive.DATABASE_MEMBER).compress_size


def test_verification_refuses_without_inflating_the_member(bomb):
    counting = CountingFile(bomb)
    with pytest.raises(ArchiveError, match="manifest declares 1,024"):
        archive.verify_archive(counting)
    counting.close()
    # The refusal comes from the zip's own header: not even the compressed data (about 50 KB) was read.
    assert counting.bytes_read < compressed_size(bomb) / 4


def test_reading_stops_at_the_declared_size_even_when_the_header_is_not_checked(bomb):
    inflated = 0
    counting = CountingFile(bomb)
    with zipfile.ZipFile(counting) as z, pytest.raises(ArchiveError, match="holds more than the 1,024 bytes"):
        for chunk in archive.bounded_chunks(z, archive.DATABASE_MEMBER, DECLARED):
            inflated += len(chunk)
    counting.close()
    assert inflated <= DECLARED  # of 50 MB
    assert counting.bytes_read < 1024 * 1024  # compressed bytes read: far from the whole member


def test_extraction_stops_at_the_declared_size(bomb, tmp_path):
    target = tmp_path / "dump"
    with pytest.raises(ArchiveError, match="holds more than"):
        archive.extract_member(bomb, archive.DATABASE_MEMBER, target)
    assert target.stat().st_size <= DECLARED


def test_a_declared_total_over_the_free_disk_space_is_refused_before_reading(tmp_path):
    huge = [{"path": archive.DATABASE_MEMBER, "size": 10**18, "sha256": "0" * 64}]
    path = write_bomb(tmp_path / "huge.zip", members=huge)
    counting = CountingFile(path)
    with pytest.raises(ArchiveError, match="more than the free disk space"):
        archive.verify_archive(counting, free_bytes=archive.free_space(tmp_path))
    counting.close()
    assert counting.bytes_read < compressed_size(path) / 4


def test_an_honest_member_still_verifies(tmp_path):
    content = b"x" * 5000
    source = tmp_path / "dump"
    source.write_bytes(content)
    target = tmp_path / "ok.zip"
    archive.write_archive(target, meta={}, members=[archive.Member(archive.DATABASE_MEMBER, source)])
    manifest = archive.verify_archive(target, free_bytes=archive.free_space(tmp_path))
    assert manifest["members"][0]["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_bomb_is_a_400_and_leaves_nothing_behind(superuser_client, bomb, settings):
    with open(bomb, "rb") as handle:
        response = superuser_client.post(
            "/api/backup/restore?confirm=true&allow_foreign=true", {"file": handle}, format="multipart"
        )
    assert response.status_code == 400
    assert "manifest declares 1,024" in response.json()["errors"]["file"][0]
    leftovers = [p for p in settings.BACKUP_DIR.rglob("*") if p.is_file() and p.name != ".backup.lock"]
    assert leftovers == []
