"""Small, tested parsers for settings values (kept out of settings.py so they can be unit-tested)."""

import functools
import ipaddress
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import environ
import pycountry
from django.core.exceptions import ImproperlyConfigured

PLACEHOLDER_SECRET_KEY = "insecure-dev-key-change-me"

SQLITE_OPTIONS = {
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN so two read-then-write
    # transactions queue on the busy timeout instead of failing with "database is locked" (LIBRARY-NOTES).
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def check_secret_key(value: str, *, debug: bool) -> str:
    """Refuse to run in production with the placeholder (or an empty / short) secret key."""
    if not debug and (not value or value == PLACEHOLDER_SECRET_KEY or len(value) < 32):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set to a real secret while DEBUG is false. Set SECRET_KEY in the environment or "
            ".env to a random string of at least 32 characters, for example the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return value


def cache_config(
    url: str, *, connect_timeout: float = 0.5, socket_timeout: float = 1.0, retry_after: float = 5.0
) -> dict:
    """CACHES['default'] from a CACHE_URL (django-environ's schemes); Redis URLs get spends.cache.SpendsRedisCache,
    Django's Redis backend reusing one redis client (a new one per call cost ~0.13 ms) and failing fast: a connect
    or read that takes longer than its timeout (seconds) fails, and after a failure the cache is skipped for
    `retry_after` seconds. Timeouts given in the URL's query string win."""
    cfg = environ.Env.cache_url_config(url)
    if cfg["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        cfg["BACKEND"] = "spends.cache.SpendsRedisCache"
        options = cfg.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", connect_timeout)
        options.setdefault("socket_timeout", socket_timeout)
        options.setdefault("retry_after", retry_after)
    return cfg


PREPARE_THRESHOLD = 5  # psycopg's default: how many runs of a statement on a connection before it is prepared


def database_config(
    url: str,
    *,
    conn_max_age: int = 0,
    pool: bool = False,
    pool_max_size: int = 10,
    prepared_statements: bool = False,
) -> dict:
    """DATABASES['default'] from a DATABASE_URL, with the SQLite options that make the embedded default safe.

    `pool` (PostgreSQL only) uses psycopg's connection pool, which replaces persistent connections
    (Django refuses CONN_MAX_AGE with a pool).

    `prepared_statements` (PostgreSQL only): parameters are bound on the server, and a statement a connection has
    run PREPARE_THRESHOLD times is prepared there, so later runs skip parsing and, mostly, planning (issue #24:
    a cold dashboard at 1k purchases spent more time in PostgreSQL's parser and planner than running its 15
    statements). Off behind a transaction-mode PgBouncer older than 1.21, which cannot keep a session's statements.
    """
    cfg = environ.Env.db_url_config(url)
    cfg["CONN_MAX_AGE"] = conn_max_age
    cfg["CONN_HEALTH_CHECKS"] = conn_max_age > 0
    if cfg["ENGINE"] == "django.db.backends.postgresql" and pool:
        cfg["CONN_MAX_AGE"] = 0
        # With a pool, Django's health check makes the pool test each connection before handing it out,
        # so a restarted database server is survived.
        cfg["CONN_HEALTH_CHECKS"] = True
        options = dict(cfg.get("OPTIONS", {}))
        options["pool"] = {"min_size": 1, "max_size": pool_max_size, "timeout": 10}
        cfg["OPTIONS"] = options
    if cfg["ENGINE"] == "django.db.backends.postgresql" and prepared_statements:
        options = dict(cfg.get("OPTIONS", {}))
        options["server_side_binding"] = True
        options["prepare_threshold"] = PREPARE_THRESHOLD  # Django's default (None) would never prepare
        cfg["OPTIONS"] = options
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        options = dict(SQLITE_OPTIONS)
        options.update(cfg.get("OPTIONS", {}))
        cfg["OPTIONS"] = options
        name = str(cfg["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
            # Tests get a file beside the real one, not Django's in-memory default: backups, restores and
            # concurrent writers need a database that several connections can open, as in production.
            cfg.setdefault("TEST", {})["NAME"] = str(Path(name).with_name(f"test_{os.getpid()}_{Path(name).name}"))
    return cfg


def cors_origins(configured: list[str], *, debug: bool) -> list[str]:
    """Configured origins win; with DEBUG and none configured, allow a local frontend dev server."""
    origins = [origin.rstrip("/") for origin in configured if origin.strip()]
    if not origins and debug:
        return ["http://localhost:3000"]
    return origins


def check_currency(code: str) -> str:
    """DEFAULT_CURRENCY must be an ISO 4217 code."""
    code = code.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ImproperlyConfigured(
            f"DEFAULT_CURRENCY={code!r} is not an ISO 4217 currency code (for example USD, EUR)."
        )
    return code


@functools.lru_cache(maxsize=8)
def trusted_proxies(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """TRUSTED_PROXIES entries ("10.0.0.5", "172.16.0.0/12", "::1") as networks; a bad entry stops the start-up."""
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is not an IP address or network (for example 10.0.0.5 or 172.16.0.0/12)."
            ) from None
    return tuple(networks)


S3_BACKEND = "spends.storage.S3Storage"
# Query parameters of an s3:// storage URL and the S3Storage option each one sets.
S3_URL_OPTIONS = {
    "endpoint_url": "endpoint_url",  # MinIO, Garage, B2: https://s3.example.com (AWS: leave out)
    "region": "region_name",
    "addressing_style": "addressing_style",  # path (MinIO, Garage) or virtual
    "signature_version": "signature_version",
    "verify": "verify",  # false: do not check the endpoint's TLS certificate (self-signed MinIO); or a CA bundle
}


def storage_config(url: str, *, default_location: Path | None = None, presigned_seconds: int = 0) -> dict:
    """A STORAGES entry from a storage URL (MEDIA_STORAGE_URL, BACKUP_STORAGE_URL; README "Storage").

    - empty: a folder on this machine, `default_location` (BACKUP_DIR), or MEDIA_ROOT when that is None;
    - `file:///absolute/path`: that folder;
    - `s3://[ACCESS_KEY:SECRET_KEY@]bucket[/prefix][?endpoint_url=…&region=…&addressing_style=path]`: an
      S3-compatible bucket (AWS S3, MinIO, Garage, Backblaze B2), every key under `prefix/`. Without keys in the URL
      boto3 finds them itself (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).

    `presigned_seconds` > 0: `storage.url(name)` gives presigned URLs valid that long (MEDIA_PRESIGNED).
    Errors never quote the URL: it may hold a secret key.
    """
    url = (url or "").strip()
    if not url:
        options = {"location": str(default_location)} if default_location is not None else {}
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": options}
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path.startswith("/") or parts.netloc:
            raise ImproperlyConfigured("A file:// storage URL needs an absolute path: file:///var/lib/spends/media.")
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": unquote(parts.path)}}
    if parts.scheme != "s3":
        raise ImproperlyConfigured(
            f'A storage URL starts with s3:// or file:// (got {parts.scheme or "no scheme"}://); README "Storage".'
        )
    bucket = parts.hostname or ""
    if not bucket:
        raise ImproperlyConfigured("An s3:// storage URL names its bucket: s3://bucket/prefix?endpoint_url=…")
    options = {
        "bucket_name": bucket,
        "location": unquote(parts.path).strip("/"),
        # Never overwrite: a second file with a taken name gets another name, as on a local disk (backups and
        # content-addressed uploads rely on it), and objects stay private (no ACL: the bucket's own policy).
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": presigned_seconds or 60,
        "signature_version": "s3v4",  # every current S3 (AWS regions since 2014, MinIO, Garage, B2)
    }
    if parts.username or parts.password:
        options["access_key"] = unquote(parts.username or "")
        options["secret_key"] = unquote(parts.password or "")
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if key not in S3_URL_OPTIONS:
            known = ", ".join(sorted(S3_URL_OPTIONS))
            raise ImproperlyConfigured(f"Unknown storage URL parameter {key!r}; known: {known}.")
        value = values[-1]
        if key == "verify" and value.lower() in ("false", "0", "no", "true", "1", "yes"):
            value = value.lower() in ("true", "1", "yes")
        if key == "addressing_style" and value not in ("path", "virtual", "auto"):
            raise ImproperlyConfigured("addressing_style in a storage URL is path, virtual or auto.")
        options[S3_URL_OPTIONS[key]] = value
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def storage_description(config: dict) -> str:
    """Where a STORAGES entry keeps its files, for logs and the admin: never a key."""
    options = config.get("OPTIONS", {})
    if config.get("BACKEND") == S3_BACKEND:
        where = f"s3://{options['bucket_name']}/{options.get('location', '')}".rstrip("/")
        return where + (f" at {options['endpoint_url']}" if options.get("endpoint_url") else "")
    return str(options.get("location", ""))
