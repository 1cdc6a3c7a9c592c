"""The portable dump of a backup (format version 2): every model's rows as Django's JSON Lines serialization, one
object a line, models in dependency order, so an archive restores into either engine (SQLite or PostgreSQL).

Written a model at a time from a database-side iterator (memory stays flat whatever the number of rows); read a line at
a time. A dump is validated in full before anything is written: each line one object of an allowed model (this
installation's dumped models, nothing else), with only that model's field names and values its fields accept. Loading
replaces every dumped table in the caller's transaction (raw inserts, ids and UUIDs as they were) and resets integer id
sequences on PostgreSQL. Backups import no domain app: the models come from the app registry.
"""

import contextlib
import datetime
import hashlib
import itertools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.core.validators import DecimalValidator
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.utils import load_backend

from backups.common import task_queue_models
from backups.models import Backup, BackupSettings, RestoreJob

PORTABLE_MEMBER = "database/portable.jsonl"
SERIALIZER = "jsonl"
CHUNK_ROWS = 2000
MAX_LINE = 16 * 1024 * 1024  # one object's line; a longer one is refused (never read into memory whole)
INSERT_BATCH = 500


class PortableError(ValueError):
    """The portable dump is not one this installation can load; the message says where and why, for the user."""


def kept_models() -> list[type[models.Model]]:
    """What describes this installation rather than its data: never dumped, kept as it is by a restore."""
    return [Backup, BackupSettings, RestoreJob, *task_queue_models()]


def _dumped(model) -> bool:
    opts = model._meta
    return opts.managed and not opts.proxy and not opts.swapped and model not in (Session, *kept_models())


def dependency_order(models_list: list) -> list:
    """Models after the models their foreign keys point to (a cycle is broken at the model with the fewest unmet
    dependencies; the foreign keys are checked at commit, so the order is a courtesy to readers)."""
    remaining = sorted(models_list, key=lambda m: m._meta.label_lower)
    wanted = set(remaining)
    needs = {
        model: {
            f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in wanted and f.related_model is not model
        }
        for model in remaining
    }
    ordered, placed = [], set()
    while remaining:
        ready = [m for m in remaining if needs[m] <= placed] or [min(remaining, key=lambda m: len(needs[m] - placed))]
        for model in ready:
            ordered.append(model)
            placed.add(model)
            remaining.remove(model)
    return ordered


def portable_models() -> list:
    """Every model whose rows a backup carries (many-to-many tables as their own models), in dependency order."""
    return dependency_order([m for m in apps.get_models(include_auto_created=True) if _dumped(m)])


def _written_fields(model) -> list:
    """The fields a line holds (not the primary key, which is the line's `pk`; no generated column)."""
    return [
        f for f in model._meta.local_fields if f.serialize and not f.primary_key and not getattr(f, "generated", False)
    ]


def _insert_fields(model) -> list:
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but time stamps keep their microseconds (Django's cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Counted:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def write_portable(target: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the portable dump of database `using` to `target`. Call inside one read snapshot of that database (the
    caller's). Returns the manifest's `portable` entry: member, serializer, models in order, rows per model."""
    rows = {}
    serializer = serializers.get_serializer(SERIALIZER)
    with open(target, "w", encoding="utf-8") as out:
        for model in portable_models():
            names = [f.name for f in _written_fields(model)]
            counted = _Counted(model._base_manager.using(using).order_by("pk").iterator(chunk_size=CHUNK_ROWS))
            serializer().serialize(counted, stream=out, fields=names, cls=_Encoder)
            rows[model._meta.label_lower] = counted.count
    return {"member": PORTABLE_MEMBER, "serializer": SERIALIZER, "models": list(rows), "rows": rows}


@contextlib.contextmanager
def database_file(path: Path):
    """A temporary connection alias to the SQLite database file `path` (a backup's copy), closed afterwards."""
    alias = f"portable-{uuid.uuid4().hex}"
    config = connections.configure_settings(
        {DEFAULT_DB_ALIAS: {}, alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    )[alias]
    # A connection of this thread only, never in settings.DATABASES (no other code sees the alias).
    connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


@contextlib.contextmanager
def live_snapshot(using: str = DEFAULT_DB_ALIAS):
    """One consistent read of the live database while the app writes (PostgreSQL: a repeatable-read transaction)."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# --- reading -------------------------------------------------------------------------------------------------------
def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8", errors="strict") as handle:
        number = 0
        while True:
            try:
                line = handle.readline(MAX_LINE + 1)
            except UnicodeDecodeError:
                raise PortableError(f"line {number + 1} of the portable dump is not UTF-8 text.") from None
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE:
                raise PortableError(f"line {number} of the portable dump is longer than {MAX_LINE:,} characters.")
            if line.strip():
                yield number, line


def _allowed() -> dict:
    """label → (model, field names a line may carry)."""
    return {m._meta.label_lower: (m, {f.name for f in _written_fields(m)}) for m in portable_models()}


def _checked(path: Path, allowed: dict, position: list) -> Iterator[dict]:
    """Each line's object, its shape checked (model on the allow-list, known field names, a primary key)."""
    for number, line in _lines(path):
        position[0] = number
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            raise PortableError(f"line {number} of the portable dump is not valid JSON.") from None
        if not isinstance(obj, dict) or set(obj) != {"model", "pk", "fields"} or not isinstance(obj["fields"], dict):
            raise PortableError(f"line {number} of the portable dump is not an object of model, pk and fields.")
        label = obj["model"]
        if not isinstance(label, str) or label not in allowed:
            raise PortableError(
                f"line {number} of the portable dump is of a model this installation does not restore: "
                f"{str(label)[:80]!r}."
            )
        if obj["pk"] is None or isinstance(obj["pk"], dict | list):
            raise PortableError(f"line {number} of the portable dump ({label}) has no usable primary key.")
        unknown = sorted(set(obj["fields"]) - allowed[label][1])
        if unknown:
            raise PortableError(
                f"line {number} of the portable dump ({label}) has unknown fields: {', '.join(map(str, unknown[:5]))}."
            )
        yield obj


def _check_values(instance) -> None:
    """What the databases would check differently (SQLite not at all): text lengths and decimal digits."""
    for field in _written_fields(type(instance)):
        value = getattr(instance, field.attname)
        if value is None:
            if not field.null:
                raise ValidationError(f"{field.name} may not be empty")
            continue
        if isinstance(field, models.CharField) and field.max_length and len(value) > field.max_length:
            raise ValidationError(f"{field.name} is longer than {field.max_length} characters")
        if isinstance(field, models.DecimalField):
            DecimalValidator(field.max_digits, field.decimal_places)(value)


def read_portable(path: Path) -> Iterator[models.Model]:
    """The dump's objects as unsaved model instances, every line checked; raises PortableError naming the line."""
    position = [0]
    objects = PythonDeserializer(_checked(path, _allowed(), position))
    while True:
        try:
            item = next(objects)
            _check_values(item.object)
        except StopIteration:
            return
        except PortableError:
            raise
        except (DeserializationError, ValidationError, ValueError, TypeError, OverflowError, LookupError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise PortableError(
                f"line {position[0]} of the portable dump has a value its model refuses: {message[:200]}"
            ) from None
        yield item.object


def validate_portable(path: Path, entry: dict) -> None:
    """Read the whole dump (nothing is written) and compare its rows per model with the manifest's `entry`."""
    found: dict[str, int] = {}
    for instance in read_portable(path):
        label = instance._meta.label_lower
        found[label] = found.get(label, 0) + 1
    declared = {label: n for label, n in (entry.get("rows") or {}).items() if n}
    if found != declared:
        raise PortableError("The portable dump's rows do not match the counts its manifest declares.")


# --- loading -------------------------------------------------------------------------------------------------------
def _empty_tables(connection, dumped: list) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in reversed(dumped):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608 (a model's own table name)


def _insert(model, batch: list, using: str) -> None:
    """Raw inserts: every value as the dump holds it (no auto_now, no default, the primary key kept)."""
    model._base_manager._insert(batch, fields=_insert_fields(model), raw=True, using=using)


def _unlink_kept_records(dumped: set) -> None:
    """A kept record (a backup's creator) pointing at a row the dump does not hold points at nothing instead."""
    for model in kept_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in dumped and field.null:
                present = field.related_model._base_manager.values("pk")
                model._base_manager.exclude(**{f"{field.attname}__isnull": True}).exclude(
                    **{f"{field.attname}__in": present}
                ).update(**{field.attname: None})


def load_portable(path: Path, *, using: str = DEFAULT_DB_ALIAS, progress=None) -> dict:
    """Replace every dumped table's rows with the dump's, in one transaction; integer id sequences follow (PostgreSQL).
    Returns the rows loaded per model. Validate the dump first (validate_portable): a failure here rolls back."""
    connection = connections[using]
    dumped = portable_models()
    loaded: dict[str, int] = {}
    with transaction.atomic(using=using):
        _empty_tables(connection, dumped)
        batch, batch_model = [], None
        for instance in read_portable(path):
            model = type(instance)
            if batch and (model is not batch_model or len(batch) >= INSERT_BATCH):
                _insert(batch_model, batch, using)
                batch = []
            if model is not batch_model and progress:
                progress(f"restoring {model._meta.label_lower}")
            batch_model = model
            batch.append(instance)
            loaded[model._meta.label_lower] = loaded.get(model._meta.label_lower, 0) + 1
        if batch:
            _insert(batch_model, batch, using)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), dumped):
                cursor.execute(sql)
        _unlink_kept_records(set(dumped))
    ContentType.objects.clear_cache()
    return loaded


# --- comparing two databases ---------------------------------------------------------------------------------------
# Tables a restore renews on purpose (the data version of every cached answer): not compared.
RENEWED_BY_RESTORE = frozenset({"spends.dataversion"})


def table_fingerprints(using: str = DEFAULT_DB_ALIAS) -> dict[str, dict]:
    """label → {"rows", "sha256"} of every dumped model: the SHA-256 of its rows' canonical JSON (sorted keys, rows
    by primary key, time stamps to the microsecond), the same on SQLite and PostgreSQL for the same data."""
    result = {}
    for model in portable_models():
        digest, count = hashlib.sha256(), 0
        names = [f.name for f in _written_fields(model)]
        rows = model._base_manager.using(using).order_by("pk").iterator(chunk_size=CHUNK_ROWS)
        while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
            for obj in serializers.serialize("python", chunk, fields=names):
                line = json.dumps(obj, cls=_Encoder, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
                digest.update(line.encode() + b"\n")
                count += 1
        result[model._meta.label_lower] = {"rows": count, "sha256": digest.hexdigest()}
    return result
