"""`python -m bench.storage [--count N] [--sizes 1,10]`: upload and download throughput of the attachment storage,
a local folder next to S3 (moto's standalone server on 127.0.0.1, as in the tests: tests/s3server.py), issue #28.

Each upload is what `attachments.services` does with a file: hash it (SHA-256, its content address), check whether
the key exists, save it (`uploads/ab/cd/<sha256>`; django-storages uses a multipart upload past 8 MB). Each download
reads the stored file through the storage in 1 MB reads, as a streamed download through the app does. N distinct
files per size; MB/s = total bytes / wall time. Results go to stdout as a Markdown table (bench/RESULTS.md).
"""

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings

MB = 1024 * 1024


def _setup_django() -> None:
    if not settings.configured:
        settings.configure(USE_TZ=True, FILE_UPLOAD_TEMP_DIR=None)
        django.setup()


def _name(content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    return f"uploads/{digest[:2]}/{digest[2:4]}/{digest}"


def _files(count: int, size: int) -> list[bytes]:
    return [os.urandom(size) for _ in range(count)]


def _timed(work) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of `work()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _upload(storage, files: list[bytes]) -> None:
    from django.core.files.base import ContentFile

    for content in files:
        name = _name(content)
        if not storage.exists(name):
            storage.save(name, ContentFile(content))


def _download(storage, files: list[bytes]) -> None:
    for content in files:
        read = 0
        with storage.open(_name(content), "rb") as handle:
            while chunk := handle.read(MB):
                read += len(chunk)
        assert read == len(content)


def measure(storage, count: int, size: int) -> tuple[float, float, float, float]:
    """Upload and download MB/s, and the share of the wall time this process (the app's side) spent on CPU."""
    files = _files(count, size)
    up_wall, up_cpu = _timed(lambda: _upload(storage, files))
    down_wall, down_cpu = _timed(lambda: _download(storage, files))
    total = count * size / MB
    return total / up_wall, total / down_wall, up_cpu / up_wall, down_cpu / down_wall


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20, help="files per size (default 20)")
    parser.add_argument("--sizes", default="1,10", help="file sizes in MB, comma-separated (default 1,10)")
    args = parser.parse_args(argv)
    _setup_django()

    from django.core.files.storage import FileSystemStorage

    from spends import config
    from tests.s3server import moto_server

    sizes = [int(value) for value in args.sizes.split(",")]
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="spends-bench-storage-") as folder, moto_server() as server:
        bucket = server.new_bucket("bench")
        backends = {
            "local folder": FileSystemStorage(location=str(Path(folder) / "media")),
            "S3 (moto server)": _s3(config, server.storage_url(bucket, "media")),
        }
        for size in sizes:
            for label, storage in backends.items():
                up, down, up_cpu, down_cpu = measure(storage, args.count, size * MB)
                rows.append((label, size, up, down, up_cpu, down_cpu))
                print(f"{label}: {args.count} x {size} MB: upload {up:.0f} MB/s, download {down:.0f} MB/s", flush=True)
    load_after = os.getloadavg()
    print()
    print("| storage | file size | files | upload MB/s | download MB/s | app CPU / wall, up | app CPU / wall, down |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, size, up, down, up_cpu, down_cpu in rows:
        print(f"| {label} | {size} MB | {args.count} | {up:.0f} | {down:.0f} | {up_cpu:.0%} | {down_cpu:.0%} |")
    print()
    print(
        f"Load average (1/5/15 min) before: {_load(load_before)}; after: {_load(load_after)}; cores: {os.cpu_count()}."
    )


def _s3(config, url: str):
    from spends.storage import S3Storage

    return S3Storage(**config.storage_config(url)["OPTIONS"])


def _load(values) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    main()
