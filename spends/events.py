"""Signals that cross layers through plumbing: an app on a high row (backups) announces something, and an app below
it (reminders' notification channels) listens, without either importing the other."""

from django.dispatch import Signal

# Sent by backups when a backup ends `failed`; `data` is the API's backup object (JSON-ready values).
backup_failed = Signal()
