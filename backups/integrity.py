"""The integrity check run after a restore: the database's own check, then every check the apps registered
(spends.backup_registry; attachments: every attachment's file present in the storage with the right SHA-256)."""

from django.db import connection

from backups.common import engine
from spends import backup_registry


def integrity_problems() -> list[str]:
    """Database integrity and the problems every registered check finds."""
    problems = []
    if engine() == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            result = [row[0] for row in cursor.fetchall()]
        if result != ["ok"]:
            problems.extend(f"database: {line}" for line in result[:10])
    for check in backup_registry.integrity_checks():
        problems.extend(check())
    return problems
