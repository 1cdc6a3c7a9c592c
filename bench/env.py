"""The environment the bench runs the app with: production settings (DEBUG off) on the bench database."""

import os
from pathlib import Path

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/spends_bench"
DEFAULT_SQLITE_PATH = Path(__file__).resolve().parent.parent / "data" / "bench" / "spends_bench.sqlite3"
# A Redis database of the bench's own (prod-check uses 15). BENCH_CACHE_URL overrides it: two benches run at once on
# different databases must not share it (the cached scopes and tokens are keyed by user id / token digest).
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
MAIN_USER = "bench"
MAIN_PASSWORD = "bench-password-not-secret"


def database_url(*, sqlite: bool, url: str | None = None, sqlite_path: Path | None = None) -> str:
    if sqlite:
        return f"sqlite:///{Path(sqlite_path or DEFAULT_SQLITE_PATH).resolve()}"
    return url or DEFAULT_PG_URL


def app_env(db_url: str, work: Path, *, pool: bool = True, cache_url: str = BENCH_CACHE_URL) -> dict:
    """os.environ plus what prod_check.sh sets, pointed at the bench database; DJANGO_SETTINGS_MODULE=bench.settings."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        DATABASE_URL=db_url,
        DATABASE_POOL="true" if pool and db_url.startswith("postgres") else "false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DATA_DIR=str(work / "data"),
        STATIC_ROOT=str(work / "static"),
        CACHE_URL=cache_url,
        IMPORT_MAX_UPLOAD_SIZE=str(256 * 1024 * 1024),
        GUNICORN_TIMEOUT="900",
        GUNICORN_LOG_LEVEL="warning",
    )
    return env


def configure_django(db_url: str, work: Path, *, pool: bool = False) -> None:
    """Set up Django in this process with the bench environment (no pool: one plain connection)."""
    os.environ.update(app_env(db_url, work, pool=pool))
    import django

    django.setup()
