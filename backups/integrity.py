"""The integrity check run after a restore: the database's own check and every attachment's file and hash."""

from django.db import connection

from backups import archive
from backups.common import UPLOADS_DIR, engine, media_root


def integrity_problems() -> list[str]:
    """Database integrity and every attachment's file present with the right content hash."""
    problems = []
    if engine() == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            result = [row[0] for row in cursor.fetchall()]
        if result != ["ok"]:
            problems.extend(f"database: {line}" for line in result[:10])
    problems.extend(_attachment_problems())
    return problems


def _attachment_problems() -> list[str]:
    try:
        from attachments.models import Attachment
    except ImportError:  # before attachments exist there is nothing to check
        return []
    problems = []
    for sha256 in Attachment.objects.order_by().values_list("sha256", flat=True).distinct().iterator():
        path = f"{UPLOADS_DIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        full = media_root() / path
        if not full.is_file():
            problems.append(f"missing upload {path}")
        elif archive.sha256_file(full)[0] != sha256:
            problems.append(f"upload {path} does not match its SHA-256")
    return problems
