"""deploy/healthcheck.py, the image's HEALTHCHECK command, run as Docker runs it: a process whose exit code counts."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.twonode.cluster import free_port

ROOT = Path(__file__).resolve().parents[2]
# deploy/ is not a package: the image runs the file. Loaded from its path for the unit tests of its URL.
_spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "healthcheck.py")
healthcheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(healthcheck)


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "deploy/healthcheck.py"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("0.0.0.0:8000", "http://127.0.0.1:8000/api/health"),
        ("127.0.0.1:8765", "http://127.0.0.1:8765/api/health"),
        ("[::]:9000", "http://127.0.0.1:9000/api/health"),
        ("0.0.0.0:8001,127.0.0.1:9001", "http://127.0.0.1:8001/api/health"),
    ],
)
def test_the_port_comes_from_gunicorns_bind(bind, url):
    assert healthcheck.health_url({"GUNICORN_BIND": bind}) == url


def test_without_a_bind_it_asks_gunicorns_default_port():
    assert healthcheck.health_url({}) == "http://127.0.0.1:8000/api/health"


@pytest.mark.django_db(transaction=True)
def test_healthy_while_the_app_answers(live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    result = run({"HEALTHCHECK_URL": f"{live_server.url}/api/health"})
    assert result.returncode == 0, result.stderr


def test_unhealthy_when_nothing_listens():
    result = run({"GUNICORN_BIND": f"127.0.0.1:{free_port()}", "HEALTHCHECK_URL": ""})
    assert result.returncode == 1
    assert "unhealthy" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_unhealthy_when_the_app_answers_an_error(live_server):
    result = run({"HEALTHCHECK_URL": f"{live_server.url}/api/no-such-endpoint"})
    assert result.returncode == 1
    assert "answered 404" in result.stderr
