"""The purchase's own signal: one `purchase_written` per purchase written through the API, sent once the write's
transaction commits (never for a write that rolled back). Apps above listen (reminders' notification channels)."""

from django.db import transaction
from django.dispatch import Signal

CREATED, UPDATED, DELETED = "purchase.created", "purchase.updated", "purchase.deleted"

# kwargs: event (one of the three above), household_id, data (the API's purchase object as JSON-ready values).
purchase_written = Signal()


def purchase_written_on_commit(*, event: str, household_id, data: dict) -> None:
    """Send `purchase_written` when the current transaction commits (at once outside one)."""
    transaction.on_commit(
        lambda: purchase_written.send(sender="purchases", event=event, household_id=household_id, data=data)
    )
