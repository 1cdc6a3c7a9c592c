"""Two gunicorn nodes against one PostgreSQL database (their own), one Redis and one S3 endpoint (marker `twonode`).

They run only when selected: `pytest -m twonode tests/twonode` (`.ci/run` does, on every change). Without that
they are skipped: the nodes take ~10 s to start and the tests a minute, too long for every `make test`.
Caddy (Debian's package) runs in front of them with deploy/Caddyfile.scale; the proxy tests are skipped
without it (they fail under CI=true). Needs PostgreSQL (TWONODE_POSTGRES_URL, else DATABASE_URL when it is
PostgreSQL, else 127.0.0.1:5432 as postgres) and Redis (TWONODE_REDIS_URL, default redis://127.0.0.1:6379/12:
that database is flushed before and after).
"""

import os
import shutil

import pytest
import redis

from tests.twonode.cluster import Cluster, Node, database, free_port, postgres_server_url, start_proxy

REDIS_URL = os.environ.get("TWONODE_REDIS_URL", "redis://127.0.0.1:6379/12")
USERNAME = "twonode-admin"
PASSWORD = "twonode-password-0123456789"  # noqa: S105 (a throwaway account in a throwaway database)


def pytest_collection_modifyitems(config, items):
    if "twonode" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="two-node tests run with -m twonode (.ci/run does)")
    for item in items:
        if item.get_closest_marker("twonode"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def shared_store(s3_server):
    """Where both nodes keep uploads and backups: one bucket of the S3 server (moto's, tests/s3server.py), as
    MEDIA_STORAGE_URL and BACKUP_STORAGE_URL configure it in production; and a way to list the uploads kept there."""
    bucket = s3_server.new_bucket("twonode")
    env = {
        "MEDIA_STORAGE_URL": s3_server.storage_url(bucket, "media"),
        "BACKUP_STORAGE_URL": s3_server.storage_url(bucket, "backups"),
    }

    def stored_uploads() -> set[str]:
        pages = s3_server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="media/uploads/")
        return {item["Key"].rsplit("/", 1)[-1] for page in pages for item in page.get("Contents", [])}

    return env, stored_uploads


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, shared_store):
    workdir = tmp_path_factory.mktemp("twonode")
    cache = redis.Redis.from_url(REDIS_URL)
    cache.flushdb()
    with database(postgres_server_url(), f"spends_twonode_{os.getpid()}") as database_url:
        storage_env, stored_uploads = shared_store
        nodes = Cluster(workdir, database_url, REDIS_URL, storage_env, stored_uploads)
        # One-shot steps, as the compose file's `migrate` service runs them before any web node starts.
        nodes.manage("migrate", "--no-input", "-v0")
        nodes.manage(
            "createsuperuser",
            "--no-input",
            f"--username={USERNAME}",
            "--email=admin@example.com",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        try:
            for name in ("node-a", "node-b"):
                nodes.start(Node(name=name, port=free_port(), data_dir=workdir / name))
            for node in nodes.nodes:
                nodes.wait_healthy(node)
            caddy = shutil.which("caddy")
            if caddy:
                start_proxy(nodes, caddy)
            else:
                assert os.environ.get("CI") != "true", "caddy is missing (apt-get install caddy; .ci/run does)"
            yield nodes
        finally:
            for node in [*nodes.nodes, *([nodes.proxy] if nodes.proxy else [])]:
                nodes.stop(node)
            cache.flushdb()


@pytest.fixture(scope="module")
def token(cluster):
    """An API token issued by node A: node B knows it too (the database, not a node, holds it)."""
    a = cluster.nodes[0]
    response = a.session().post(f"{a.url}/api/auth/token", json={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["token"]


@pytest.fixture
def proxy(cluster):
    if cluster.proxy is None:
        pytest.skip("caddy not found (apt-get install caddy)")
    return cluster.proxy
