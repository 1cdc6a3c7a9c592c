"""The S3 storage of MEDIA_STORAGE_URL / BACKUP_STORAGE_URL (spends.config.storage_config): django-storages'
S3Storage, read as a stream.

django-storages' own S3File downloads a whole object into memory (AWS_S3_MAX_MEMORY_SIZE=0) on the first read, which
a 25 MB attachment download or a 2 GB backup archive cannot afford. Files opened for reading here are streamed from
one GET and are seekable: a seek starts a new ranged GET from there, so reading a zip's directory at the end of an
archive (the backup manifest) fetches a few kilobytes, not the archive. Writes are django-storages' (multipart
uploads for large files).
"""

import io

from botocore.exceptions import ClientError
from django.core.files import File
from storages.backends import s3
from storages.utils import clean_name

READ_BUFFER = 1024 * 1024


class _RangedReader(io.RawIOBase):
    """An S3 object's bytes from `start` on: one streaming GET per contiguous run of reads."""

    def __init__(self, client, bucket: str, key: str, size: int):
        super().__init__()
        self._client, self._bucket, self._key, self._size = client, bucket, key, size
        self._pos = 0
        self._body = None  # the open GET's body, positioned at self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        position = max(0, base + offset)
        if position != self._pos:
            self._drop_body()
            self._pos = position
        return self._pos

    def readinto(self, buffer) -> int:
        if self._pos >= self._size or len(buffer) == 0:
            return 0
        if self._body is None:
            answer = self._client.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-")
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        if not data:  # the object got shorter under us
            self._size = self._pos
            return 0
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


class S3Storage(s3.S3Storage):
    """django-storages' S3 backend whose files open for reading as seekable streams (see the module's text)."""

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        try:
            head = self.connection.meta.client.head_object(Bucket=self.bucket_name, Key=key)
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        size = head["ContentLength"]
        raw = _RangedReader(self.connection.meta.client, self.bucket_name, key, size)
        handle = io.BufferedReader(raw, buffer_size=READ_BUFFER)
        if "b" not in mode:
            handle = io.TextIOWrapper(handle, encoding="utf-8")
        stream = File(handle, name=name)
        stream.size = size
        stream.mode = mode
        return stream

    def presigned_url(self, name: str, *, expire: int, content_type: str, disposition: str) -> str:
        """A URL that lets whoever holds it GET the object for `expire` seconds, answered with these headers."""
        parameters = {"ResponseContentType": content_type, "ResponseContentDisposition": disposition}
        return self.url(name, parameters=parameters, expire=expire)
