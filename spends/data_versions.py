"""Data versions: one number per scope, stored in the database, that changes with every write to the scope's data.

A scope is a string: `household_scope(pk)` for one household's purchases, warranties and attachments, a name an app
chooses for shared data (the catalog's), and INSTALLATION, which only a restore changes.
Write services call `bump(scope)` inside the transaction of their write, once per call, so the new number and the
new data commit together (or roll back together). Readers key cached answers by `read(scopes)`: any write by any
process changes the key, whatever the cache backend, and an answer computed while a write commits is stored under
the number read before it, which that write has already replaced.

A bump sets the version to max(version + 1, the clock in nanoseconds): it only grows, and a number a rolled-back
transaction or a restored database held is not handed out again, so no answer cached under it is ever reused.
This module knows no domain app.
"""

import time
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from spends.models import DataVersion

INSTALLATION = "installation"  # every answer's key includes it; a restore changes it (renew_all)


def household_scope(household_id) -> str:
    """The scope of one household's data (its purchases, warranties and attachments)."""
    return f"household:{household_id}"


def _next_version():
    return Greatest(F("version") + 1, Value(time.time_ns()))


def bump(scope: str) -> None:
    """Give `scope` a new version: one UPDATE, plus one INSERT (in a savepoint) the first time. Call it inside the
    write's transaction, after the write, once per scope and transaction."""
    if DataVersion.objects.filter(scope=scope).update(version=_next_version()):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent first insert must not break the caller's transaction
            DataVersion.objects.create(scope=scope, version=time.time_ns())
    except IntegrityError:  # inserted meanwhile by another transaction, now committed
        DataVersion.objects.filter(scope=scope).update(version=_next_version())


def read(scopes: Iterable[str]) -> tuple[int, ...]:
    """The versions of `scopes`, in their order (0 for a scope never bumped), in one query."""
    scopes = list(scopes)
    found = dict(DataVersion.objects.filter(scope__in=scopes).values_list("scope", "version"))
    return tuple(found.get(scope, 0) for scope in scopes)


def renew_all() -> None:
    """After the database was replaced (a restore): every scope gets a number no answer was cached under, including
    scopes the restored table lacks (through INSTALLATION, which every reader includes)."""
    with transaction.atomic():
        DataVersion.objects.update(version=_next_version())
        if not DataVersion.objects.filter(scope=INSTALLATION).exists():
            bump(INSTALLATION)
