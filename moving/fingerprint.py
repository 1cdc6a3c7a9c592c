"""What `move_instance` compares on both sides: every dumped table's rows and checksum (backups.portable) and, per
household, the SHA-256 of its canonical JSON export (transfer's export with a fixed export time)."""

import datetime
import hashlib

from django.contrib.auth import get_user_model
from django.db import connection

from backups import portable
from households.models import Household
from purchases.models import Purchase
from transfer import services as transfer

EXPORTED_AT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # the canonical export's fixed time


def household_checksums() -> dict[str, str]:
    result = {}
    for household_id in Household.objects.order_by("pk").values_list("pk", flat=True):
        digest = hashlib.sha256()
        for piece in transfer.purchases_export_json(household_id=household_id, exported_at=EXPORTED_AT):
            digest.update(piece.encode())
        result[str(household_id)] = digest.hexdigest()
    return result


def instance_fingerprint() -> dict:
    return {
        "engine": connection.vendor,
        "tables": portable.table_fingerprints(),
        "households": household_checksums(),
    }


def differences(source: dict, target: dict) -> list[str]:
    """What differs between two fingerprints, in words (empty when they are the same)."""
    problems = []
    for label in sorted(set(source["tables"]) | set(target["tables"])):
        if label in portable.RENEWED_BY_RESTORE:
            continue
        mine, theirs = source["tables"].get(label), target["tables"].get(label)
        if mine is None or theirs is None:
            problems.append(f"{label}: only on the {'target' if mine is None else 'source'}")
        elif mine["rows"] != theirs["rows"]:
            problems.append(f"{label}: {mine['rows']} rows here, {theirs['rows']} on the target")
        elif mine["sha256"] != theirs["sha256"]:
            problems.append(f"{label}: the same {mine['rows']} rows, but their values differ")
    for household in sorted(set(source["households"]) | set(target["households"])):
        if source["households"].get(household) != target["households"].get(household):
            problems.append(f"household {household}: its JSON export differs")
    return problems


def occupancy() -> dict:
    """How much data the database holds (tables that do not exist yet count as empty): user accounts and purchases.
    Every record belongs to a household of users, so a database without user accounts holds nobody's data."""
    tables = set(connection.introspection.table_names())
    counts = {}
    for name, model in (("users", get_user_model()), ("purchases", Purchase)):
        counts[name] = model._base_manager.count() if model._meta.db_table in tables else 0
    return {"engine": connection.vendor, "migrated": "django_migrations" in tables, **counts}
