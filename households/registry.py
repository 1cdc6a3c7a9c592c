"""Where the apps that hold a household's records plug into joining and leaving (households imports none of them).

An app above `households` (purchases, …) registers, in its `AppConfig.ready()`:
- a record mover, `mover(*, from_household_id, to_household_id, user_id, move_all) -> dict`: moves records from one
  household to another inside the caller's transaction and returns counts (`{"purchases": 3, "warranties": 1,
  "duplicates": [...]}`). With `move_all` every record of `from_household_id` moves (the caller was its last member);
  otherwise only those `user_id` created. It raises `django.core.exceptions.ValidationError` to refuse the move, which
  rolls the whole join back (a move is all or nothing);
- a record counter, `counter(household_id) -> int`: how many records the household still holds (an empty household
  without members is deleted).

Both are keyed by a name (the app label), so registering again replaces the entry (ready() may run more than once).
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

RecordMover = Callable[..., Mapping[str, Any]]
RecordCounter = Callable[[UUID], int]

_movers: dict[str, RecordMover] = {}
_counters: dict[str, RecordCounter] = {}
# Called inside the transaction that changes a household's home currency: `converter(*, household_id, home_currency)`.
_home_currency_listeners: dict[str, Callable[..., None]] = {}


def register_home_currency_listener(name: str, listener: Callable[..., None]) -> None:
    """`listener(*, household_id, home_currency)` runs in the transaction that sets a household's home currency
    (purchases re-converts its prices there)."""
    _home_currency_listeners[name] = listener


def home_currency_changed(*, household_id: UUID, home_currency: str) -> None:
    for listener in list(_home_currency_listeners.values()):
        listener(household_id=household_id, home_currency=home_currency)


def register_record_mover(name: str, mover: RecordMover) -> None:
    _movers[name] = mover


def register_record_counter(name: str, counter: RecordCounter) -> None:
    _counters[name] = counter


def unregister(name: str) -> None:
    """Drop the mover and the counter registered under `name` (either may be absent)."""
    _movers.pop(name, None)
    _counters.pop(name, None)


@contextmanager
def registered(name: str, *, mover: RecordMover | None = None, counter: RecordCounter | None = None) -> Iterator[None]:
    """Register `mover` and/or `counter` under `name` for the duration of a block (tests); the previous entries, if
    any, come back afterwards."""
    previous = (_movers.get(name), _counters.get(name))
    if mover is not None:
        _movers[name] = mover
    if counter is not None:
        _counters[name] = counter
    try:
        yield
    finally:
        unregister(name)
        if previous[0] is not None:
            _movers[name] = previous[0]
        if previous[1] is not None:
            _counters[name] = previous[1]


def _merge(total: dict[str, Any], counts: Mapping[str, Any]) -> None:
    for key, value in counts.items():
        if key not in total:
            total[key] = list(value) if isinstance(value, (list, tuple)) else value
        elif isinstance(value, (list, tuple)):
            total[key] = [*total[key], *value]
        elif isinstance(value, int) and isinstance(total[key], int):
            total[key] += value
        else:
            total[key] = value


def records_move(*, from_household_id: UUID, to_household_id: UUID, user_id: int, move_all: bool) -> dict[str, Any]:
    """Call every registered mover (in registration order) and return their merged counts (numbers add up, lists
    join). Runs inside the caller's transaction."""
    total: dict[str, Any] = {}
    for mover in list(_movers.values()):
        counts = mover(
            from_household_id=from_household_id, to_household_id=to_household_id, user_id=user_id, move_all=move_all
        )
        _merge(total, counts or {})
    return total


def records_count(household_id: UUID) -> int:
    """How many records every registered app still holds for `household_id`."""
    return sum(int(counter(household_id)) for counter in list(_counters.values()))
