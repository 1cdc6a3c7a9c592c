"""What attachments register with backups (attachments.apps): the stored uploads, and the check run after a
restore that every attachment's file is in the storage with the right SHA-256. All through the storage API."""

import hashlib

from django.core.files.storage import default_storage

from attachments.models import UPLOADS_DIR, Attachment, upload_name
from attachments.services import stored_upload_names

CHUNK = 1024 * 1024


def upload_names():
    """Every file under `uploads/` in the default storage (orphans included: a backup keeps what is there)."""
    return stored_upload_names(UPLOADS_DIR)


def _stored_sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def integrity_problems() -> list[str]:
    """Every attachment's file present in the storage with the right content hash."""
    problems = []
    for sha256 in Attachment.objects.order_by().values_list("sha256", flat=True).distinct().iterator():
        name = upload_name(sha256)
        if not default_storage.exists(name):
            problems.append(f"missing upload {name}")
        elif _stored_sha256(name) != sha256:
            problems.append(f"upload {name} does not match its SHA-256")
    return problems
