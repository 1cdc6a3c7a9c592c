"""Running real management commands (a worker, a restore to kill) on the test database from a test."""

import os
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def child_env(settings) -> dict:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "BACKUP_DIR": str(settings.BACKUP_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MEDIA_STORAGE_URL": settings.MEDIA_STORAGE_URL,  # the S3 bucket under `pytest --s3`, else empty
        "BACKUP_STORAGE_URL": settings.BACKUP_STORAGE_URL,
        "DJANGO_SETTINGS_MODULE": "spends.settings",
        "PYTHONPATH": str(ROOT),
    }
