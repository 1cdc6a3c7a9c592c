"""The compose files, read as the app would run them (Docker cannot run here): what each service runs exists, the
proxy address the nodes trust is the proxy's, and the scaled stack keeps nothing on a node.

The files' syntax is checked against the compose specification by `make check-containers` (.ci/run).
"""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from spends import config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = sorted(ROOT.glob("docker-compose*.yml"))
APP_IMAGE = "spends-tracker:latest"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def interpolate(value: str, env: dict | None = None) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with `env` (unset variables: empty or the default)."""
    env = env or {}

    def one(match):
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        return env.get(name) or (arg if op == ":-" else "")

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def app_services(compose: dict) -> dict:
    return {name: svc for name, svc in compose["services"].items() if svc.get("image") == APP_IMAGE}


def manage_commands(command: list[str]) -> list[str]:
    """The `manage.py` subcommands a service runs, also inside `sh -c "…; …"` loops."""
    words = shlex.split(" ".join(command[2:])) if command[:2] == ["sh", "-c"] else command
    words = [w.strip(";&|") for w in words]
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word == "manage.py"]


def test_there_are_compose_files():
    assert {path.name for path in COMPOSE_FILES} >= {"docker-compose.yml", "docker-compose.scale.yml"}


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_command_a_service_runs_exists(path):
    known = set(get_commands())
    dockerfile_cmd = json.loads(
        next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))[4:]
    )
    for name, service in app_services(load(path)).items():
        command = service.get("command", dockerfile_cmd)
        assert isinstance(command, list), f"{name}: command in exec form (a list)"
        for subcommand in manage_commands(command):
            assert subcommand in known, f"{path.name} {name}: manage.py {subcommand} does not exist"
        if "gunicorn" in command or "gunicorn" in " ".join(command):
            assert "gunicorn.conf.py" in " ".join(command) and (ROOT / "gunicorn.conf.py").exists()


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_the_nodes_trust_exactly_the_proxys_address(path):
    compose = load(path)
    proxy = compose["services"]["proxy"]
    proxy_address = proxy["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert proxy_address.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]
    web = compose["services"]["web"]
    assert web["environment"]["TRUSTED_PROXIES"] == proxy_address
    assert config.trusted_proxies((proxy_address,))  # the settings accept it
    assert "ports" not in web, "the nodes are reached through the proxy only"
    caddyfile = next(v.split(":")[0] for v in proxy["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro"))
    assert (ROOT / caddyfile).exists()


def test_the_scaled_stack_keeps_nothing_on_a_node():
    compose = load(ROOT / "docker-compose.scale.yml")
    services = app_services(compose)
    assert {"migrate", "web", "worker", "scheduler"} <= set(services)
    init = " ".join(compose["services"]["minio-init"]["command"])
    for name, service in services.items():
        assert not service.get("volumes"), f"{name} mounts a volume: a node must keep nothing"
        env = {k: interpolate(str(v)) for k, v in service["environment"].items()}
        for variable in ("MEDIA_STORAGE_URL", "BACKUP_STORAGE_URL"):
            storage = config.storage_config(env[variable])  # the settings accept the default URL
            assert storage["BACKEND"] == config.S3_BACKEND, f"{name}: {variable} is not S3"
            assert f"store/{storage['OPTIONS']['bucket_name']}" in init, "minio-init makes the bucket"
            assert storage["OPTIONS"]["endpoint_url"] == "http://minio:9000"
        assert env["CACHE_URL"].startswith("redis://redis:")
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    web = compose["services"]["web"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "command" not in web, "web runs the image's CMD (gunicorn in exec form)"
    assert int(interpolate(str(web["deploy"]["replicas"]))) >= 2
    migrations = [name for name, s in services.items() if "migrate" in manage_commands(s.get("command", []))]
    assert migrations == ["migrate"], "migrations run once, in the one-shot service, never in every node"


def test_the_scaled_proxy_spreads_requests_over_every_web_replica():
    caddyfile = (ROOT / "deploy" / "Caddyfile.scale").read_text()
    assert re.search(r"dynamic a \{\s*name \{\$WEB_SERVICE:web\}\s*port \{\$WEB_PORT:8000\}", caddyfile)
    assert "lb_try_duration" in caddyfile
