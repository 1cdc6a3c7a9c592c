"""A real S3 endpoint for the tests: moto's standalone server (`moto[server]`) in its own process on 127.0.0.1.

`pytest --s3` (the `.ci/run` step: `pytest --s3 -m s3`) points STORAGES["default"] (uploads) and
STORAGES["dbbackup"] (backups) at it: a fresh bucket per test, uploads under `media/`, backups under `backups/`,
exactly as MEDIA_STORAGE_URL / BACKUP_STORAGE_URL configure them in production. boto3 talks HTTP to the server;
nothing in the client is mocked. The bench (bench/storage.py) and the multi-node tests start the same server.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import boto3
from botocore.config import Config

ACCESS_KEY = "spends-test-key"
SECRET_KEY = "spends-test-secret"  # noqa: S105 (moto accepts any key)
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen | None = None

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self, prefix: str = "spends") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage_url(self, bucket: str, prefix: str) -> str:
        """The MEDIA_STORAGE_URL / BACKUP_STORAGE_URL of `bucket/prefix` on this server."""
        return (
            f"s3://{ACCESS_KEY}:{SECRET_KEY}@{bucket}/{prefix}"
            f"?endpoint_url={self.endpoint}&region={REGION}&addressing_style=path"
        )


@contextlib.contextmanager
def moto_server(timeout: float = 30.0):
    """Start `python -m moto.server` on a free port of 127.0.0.1; stop it afterwards."""
    port = _free_port()
    env = {**os.environ, "MOTO_PORT": str(port)}
    process = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {process.returncode} before it listened")
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()  # noqa: S310 (our own server)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer on {endpoint} within {timeout} s") from None
                time.sleep(0.1)
        yield S3Server(endpoint=endpoint, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
