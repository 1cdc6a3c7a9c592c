"""Writes of reference rates: the import of the ECB's history file (the command, the API and the migration's reader
share rates.ecb)."""

from django.db import connection, transaction
from django.db.models import Max

from rates.ecb import insert_rows, read_history
from rates.models import Rate

# Apps above `rates` that convert with the rates register `listener(*, first_day, last_day)` here (in their
# AppConfig.ready): it runs in the import's transaction when rates of those days were added (purchases converts the
# purchases that had no rate yet). Keyed by name, so registering again replaces.
_added_listeners: dict = {}


def register_rates_added_listener(name: str, listener) -> None:
    _added_listeners[name] = listener


def rates_import(file) -> dict:
    """Add the rates of the ECB's `eurofxref-hist.csv` or `.zip` (`file`: bytes, or a binary file object) that are
    not stored yet. Idempotent: a (currency, day) already stored is left as it is (a later correction by the ECB does
    not change the rates purchases were converted with). All or nothing, in one transaction; a malformed file raises
    ValidationError with a plain message and writes nothing.

    Returns {"days_added": publication days that had no rate before, "rates_added": rows written, "last_day": the
    latest publication day stored afterwards (a date, or None for an empty table)}."""
    data = file if isinstance(file, bytes) else file.read()
    history = read_history(data)  # raises before anything is written
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Imports run one at a time (readers go on), so the rows checked below are still absent when inserted.
            # SQLite's IMMEDIATE transactions (settings) already serialise writers.
            connection.cursor().execute(f"LOCK TABLE {Rate._meta.db_table} IN EXCLUSIVE MODE")  # noqa: S608
        first, last = min(history.days), max(history.days)
        stored = set(Rate.objects.filter(day__range=(first, last)).values_list("currency", "day"))
        stored_days = {day for _, day in stored}
        new_rows = [row for row in history.rows if (row[0], row[1]) not in stored]
        insert_rows(connection, Rate._meta.db_table, new_rows)
        last_day = Rate.objects.aggregate(last=Max("day"))["last"]
        if new_rows:
            added_days = [day for _, day, _ in new_rows]
            for listener in list(_added_listeners.values()):
                listener(first_day=min(added_days), last_day=max(added_days))
    return {
        "days_added": len({day for _, day, _ in new_rows} - stored_days),
        "rates_added": len(new_rows),
        "last_day": last_day,
    }
