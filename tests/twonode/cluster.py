"""Two real web nodes: gunicorn subprocesses started with the Dockerfile's own CMD, sharing one PostgreSQL database,
one Redis and one S3 endpoint, and nothing else (each node has its own DATA_DIR, for its temporary files only).

Used by tests/twonode (marker `twonode`, run by `.ci/run`). Everything is on this machine's loopback.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "twonode-test-secret-key-not-for-production-0123456789"
# What the nodes must not inherit from the test run: each node is configured only by the environment set here.
INHERITED_NOT = {
    "DATABASE_URL",
    "CACHE_URL",
    "DATA_DIR",
    "MEDIA_ROOT",
    "BACKUP_DIR",
    "TASKS_BACKEND",
    "MEDIA_STORAGE_URL",
    "BACKUP_STORAGE_URL",
    "DJANGO_SETTINGS_MODULE",
}
START_TIMEOUT = 60


def dockerfile_cmd() -> list[str]:
    """The image's CMD as an argv: it must be the exec form (a JSON list), or SIGTERM would go to a shell."""
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    assert lines, "the Dockerfile has no CMD"
    argv = json.loads(lines[-1][4:])
    assert isinstance(argv, list) and all(isinstance(part, str) for part in argv), "CMD is not in exec form"
    return argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_server_url() -> str:
    """The PostgreSQL server to make the nodes' database on: the test run's own when it is PostgreSQL."""
    url = os.environ.get("TWONODE_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return parts._replace(path="/postgres").geturl()


@dataclass
class Node:
    name: str
    port: int
    data_dir: Path
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def session(self, token: str | None = None) -> requests.Session:
        session = requests.Session()
        if token:
            session.headers["Authorization"] = f"Token {token}"
        return session

    def log_tail(self, lines: int = 40) -> str:
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Cluster:
    workdir: Path
    database_url: str
    cache_url: str
    storage_env: dict
    stored_uploads: Callable[[], set[str]]  # the SHA-256 names under uploads/ in the shared store
    nodes: list[Node] = field(default_factory=list)
    proxy: Node | None = None

    def env(self, node: Node | None = None) -> dict:
        env = {key: value for key, value in os.environ.items() if key not in INHERITED_NOT}
        env.update(
            DEBUG="false",
            SECRET_KEY=SECRET_KEY,
            DATABASE_URL=self.database_url,
            DATABASE_POOL="true",
            CACHE_URL=self.cache_url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            STATIC_ROOT=str(self.workdir / "static"),
            GUNICORN_WORKERS="2",
            # The proxy in front of the nodes (start_proxy) connects from here, as Caddy's fixed address in compose.
            TRUSTED_PROXIES="127.0.0.1",
            GUNICORN_THREADS="2",
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.storage_env,
        )
        env["DATA_DIR"] = str(node.data_dir if node else self.workdir / "manage")
        if node:
            env["GUNICORN_BIND"] = f"127.0.0.1:{node.port}"
        return env

    def manage(self, *args: str, **extra_env: str) -> str:
        """`python manage.py ...` as an operator (or the compose file's one-shot `migrate` service) runs it."""
        result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env(), **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def start(self, node: Node) -> None:
        argv = dockerfile_cmd()
        executable = shutil.which(argv[0], path=str(BIN)) or argv[0]
        node.data_dir.mkdir(parents=True, exist_ok=True)
        node.log = self.workdir / f"{node.name}.log"
        with open(node.log, "wb") as log:
            node.process = subprocess.Popen(  # noqa: S603 (the Dockerfile's CMD, from our own venv)
                [executable, *argv[1:]], cwd=ROOT, env=self.env(node), stdout=log, stderr=subprocess.STDOUT
            )
        self.nodes.append(node)

    def wait_healthy(self, node: Node) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert node.process.poll() is None, f"{node.name} exited:\n{node.log_tail()}"
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{node.url}/api/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"{node.name} did not become healthy:\n{node.log_tail()}")

    def stop(self, node: Node, timeout: float = 30) -> int | None:
        """SIGTERM, as `docker stop` sends it to the image's CMD; gunicorn finishes its requests and exits."""
        if not node.process or node.process.poll() is not None:
            return node.process.returncode if node.process else None
        node.process.send_signal(signal.SIGTERM)
        try:
            return node.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait()
            return None


@contextlib.contextmanager
def database(server_url: str, name: str):
    """A database of its own for the nodes, dropped afterwards (their connections are closed by then)."""
    assert re.fullmatch(r"[a-z0-9_]+", name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def proxy_caddyfile(ports: list[int]) -> str:
    """deploy/Caddyfile.scale with the nodes' loopback ports in place of its DNS lookup of the `web` replicas
    (every other line as in production), and no admin endpoint."""
    text = (ROOT / "deploy" / "Caddyfile.scale").read_text()
    upstreams = " ".join(f"127.0.0.1:{port}" for port in ports)
    text, found = re.subn(r"dynamic a \{.*?\n\t\t\}", f"to {upstreams}", text, flags=re.S)
    assert found == 1, "deploy/Caddyfile.scale has no `dynamic a { ... }` block"
    return "{\n\tadmin off\n}\n" + text


def start_proxy(cluster: Cluster, caddy: str) -> Node:
    """Caddy in front of the running nodes, as the compose file's `proxy` service."""
    proxy = Node(name="proxy", port=free_port(), data_dir=cluster.workdir / "proxy")
    proxy.data_dir.mkdir(parents=True, exist_ok=True)
    config = proxy.data_dir / "Caddyfile"
    config.write_text(proxy_caddyfile([node.port for node in cluster.nodes]))
    env = {
        **os.environ,
        "SITE_ADDRESS": f"http://127.0.0.1:{proxy.port}",
        "XDG_DATA_HOME": str(proxy.data_dir),
        "XDG_CONFIG_HOME": str(proxy.data_dir),
    }
    proxy.log = cluster.workdir / "proxy.log"
    with open(proxy.log, "wb") as log:
        proxy.process = subprocess.Popen(  # noqa: S603 (Debian's caddy, our own config)
            [caddy, "run", "--adapter", "caddyfile", "--config", str(config)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    cluster.wait_healthy(proxy)
    cluster.proxy = proxy
    return proxy
