"""Settings parsers (spends.config) and the start-up refusal without a real secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from spends import config

ROOT = Path(__file__).resolve().parents[2]


def test_placeholder_secret_key_is_refused_without_debug():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        config.check_secret_key(config.PLACEHOLDER_SECRET_KEY, debug=False)


@pytest.mark.parametrize("value", ["", "short-secret"])
def test_empty_or_short_secret_key_is_refused_without_debug(value):
    with pytest.raises(ImproperlyConfigured):
        config.check_secret_key(value, debug=False)


def test_placeholder_secret_key_is_accepted_with_debug():
    assert config.check_secret_key(config.PLACEHOLDER_SECRET_KEY, debug=True) == config.PLACEHOLDER_SECRET_KEY


def test_app_refuses_to_start_without_secret_key_when_debug_is_off(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(DEBUG="false", DATA_DIR=str(tmp_path))
    # Run outside the project folder's .env: the refusal must come from the defaults.
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        cwd=tmp_path,
        env={**env, "SECRET_KEY": config.PLACEHOLDER_SECRET_KEY},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set to a real secret" in result.stderr


def test_sqlite_url_gets_wal_immediate_and_busy_timeout(tmp_path):
    cfg = config.database_config(f"sqlite:///{tmp_path / 'sub' / 'db.sqlite3'}")
    assert cfg["ENGINE"] == "django.db.backends.sqlite3"
    assert cfg["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert cfg["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in cfg["OPTIONS"]["init_command"]
    assert (tmp_path / "sub").is_dir()  # the folder is created so SQLite can create the file
    # Tests run on a file beside it (several connections, as in production), one per test process.
    test_name = Path(cfg["TEST"]["NAME"])
    assert test_name.parent == tmp_path / "sub" and test_name.name.startswith("test_")


def test_postgres_url_is_parsed_without_sqlite_options():
    cfg = config.database_config("postgres://u:p@db.example:5433/spends", conn_max_age=60)
    assert cfg["ENGINE"] == "django.db.backends.postgresql"
    assert (cfg["HOST"], cfg["PORT"], cfg["NAME"], cfg["USER"]) == ("db.example", 5433, "spends", "u")
    assert "transaction_mode" not in cfg.get("OPTIONS", {})
    assert cfg["CONN_MAX_AGE"] == 60 and cfg["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("configured", "debug", "expected"),
    [
        ([], True, ["http://localhost:3000"]),
        ([], False, []),
        (["https://app.example.com/", " "], False, ["https://app.example.com"]),
        (["https://app.example.com"], True, ["https://app.example.com"]),
    ],
)
def test_cors_origins_default_only_in_debug(configured, debug, expected):
    assert config.cors_origins(configured, debug=debug) == expected


def test_default_currency_is_normalised_and_checked():
    assert config.check_currency(" eur ") == "EUR"
    with pytest.raises(ImproperlyConfigured, match="ISO 4217"):
        config.check_currency("XXY")


def test_postgres_pool_replaces_persistent_connections():
    cfg = config.database_config("postgres://u:p@db:5432/spends", conn_max_age=60, pool=True, pool_max_size=4)
    assert cfg["OPTIONS"]["pool"]["max_size"] == 4
    assert cfg["CONN_MAX_AGE"] == 0  # Django refuses persistent connections together with a pool
    assert cfg["CONN_HEALTH_CHECKS"] is True


def test_postgres_prepared_statements_bind_on_the_server():
    cfg = config.database_config("postgres://u:p@db:5432/spends", prepared_statements=True)
    assert cfg["OPTIONS"]["server_side_binding"] is True
    assert cfg["OPTIONS"]["prepare_threshold"] == config.PREPARE_THRESHOLD
    assert "server_side_binding" not in config.database_config("postgres://u:p@db:5432/spends").get("OPTIONS", {})
    sqlite = config.database_config("sqlite:///:memory:", prepared_statements=True)
    assert "server_side_binding" not in sqlite["OPTIONS"]


def test_pool_is_ignored_for_sqlite(tmp_path):
    cfg = config.database_config(f"sqlite:///{tmp_path / 'db.sqlite3'}", pool=True)
    assert "pool" not in cfg["OPTIONS"]


@pytest.mark.parametrize(("dsn", "expected"), [("", "False"), ("https://public@127.0.0.1:9/1", "True")])
def test_sentry_is_enabled_only_with_a_dsn(dsn, expected):
    env = {**os.environ, "SENTRY_DSN": dsn}
    script = "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "spends.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_storage_urls_default_to_the_folders():
    assert config.storage_config("") == {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {}}
    backups = config.storage_config("", default_location=Path("/data/backups"))
    assert backups["OPTIONS"] == {"location": "/data/backups"}
    assert config.storage_config("file:///srv/spends/media")["OPTIONS"] == {"location": "/srv/spends/media"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://bucket/x", "s3:// or file://"),
        ("s3:///prefix", "names its bucket"),
        ("file://relative/path", "absolute path"),
        ("s3://bucket/x?endpoint=http://h", "Unknown storage URL parameter 'endpoint'"),
        ("s3://bucket/x?addressing_style=sideways", "path, virtual or auto"),
    ],
)
def test_a_bad_storage_url_stops_the_start_up_without_quoting_a_secret(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        config.storage_config(url.replace("s3://", "s3://KEY:TOPSECRET@", 1) if url.startswith("s3://b") else url)
    assert "TOPSECRET" not in str(caught.value)
