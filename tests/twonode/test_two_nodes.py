"""Issue #28: two web nodes at once, over real HTTP, sharing only PostgreSQL, Redis and an S3 endpoint.

Whatever one node writes (rows, files, backups, cached analytics) the other sees at once, and concurrent writers on
both lose nothing. The tests run in file order on one pair of nodes (and Caddy in front of them): the restore test
puts the data back to its backup, so the tests after it rely on no earlier row; the last ones stop the nodes.
"""

import hashlib
import http.client
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pytest
import requests
import yaml

from tests.twonode.cluster import ROOT

pytestmark = pytest.mark.twonode

WRITER_THREADS = 4  # per node
PURCHASES_PER_THREAD = 10


def rows(cluster, sql: str, *params):
    with psycopg.connect(cluster.database_url) as conn:
        return conn.execute(sql, params).fetchall()


def create_purchase(session, node, name: str, price: str) -> dict:
    body = {"product_name": name, "price": price, "currency_code": "USD", "purchase_date": "2026-11-02"}
    response = session.post(f"{node.url}/api/purchases", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def upload(session, node, purchase_id: str, content: bytes, filename: str = "receipt.txt") -> dict:
    response = session.post(
        f"{node.url}/api/purchases/{purchase_id}/attachments",
        files={"file": (filename, content, "text/plain")},
        data={"kind": "RECEIPT"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def download(session, node, attachment_id: str):
    response = session.get(f"{node.url}/api/attachments/{attachment_id}/download", timeout=30)
    assert response.status_code == 200, response.text
    return response


def summary(session, node) -> dict:
    response = session.get(f"{node.url}/api/analytics/dashboard?currency=USD", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["summary"]


def test_both_nodes_run_the_images_command(cluster):
    """Each node is the Dockerfile's CMD, in its own process, listening on its own port."""
    a, b = cluster.nodes
    assert a.port != b.port
    assert a.process.pid != b.process.pid
    assert a.process.poll() is None and b.process.poll() is None


def test_upload_through_one_node_download_through_the_other(cluster, token):
    a, b = cluster.nodes
    on_a, on_b = a.session(token), b.session(token)
    first = create_purchase(on_a, a, "Kettle", "39.90")
    second = create_purchase(on_b, b, "Toaster", "24.50")
    content = f"Receipt {uuid.uuid4()}\nKettle 39.90 USD\n".encode()
    digest = hashlib.sha256(content).hexdigest()

    uploaded = upload(on_a, a, first["id"], content)
    assert uploaded["sha256"] == digest
    got = download(on_b, b, uploaded["id"])
    assert got.content == content
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "receipt.txt" in got.headers["Content-Disposition"]
    assert on_b.get(f"{b.url}/api/attachments/{uploaded['id']}", timeout=30).json()["available"] is True

    # The same bytes through the other node: one stored file, kept until its last attachment goes.
    again = upload(on_b, b, second["id"], content, filename="copy.txt")
    assert again["sha256"] == digest
    assert cluster.stored_uploads() == {digest}
    assert on_b.delete(f"{b.url}/api/attachments/{uploaded['id']}", timeout=30).status_code == 204
    assert cluster.stored_uploads() == {digest}
    assert download(on_a, a, again["id"]).content == content
    assert on_a.delete(f"{a.url}/api/attachments/{again['id']}", timeout=30).status_code == 204
    assert cluster.stored_uploads() == set()
    assert rows(cluster, "SELECT count(*) FROM purchases_attachment") == [(0,)]


def _writer(cluster, node, token: str, tag: str) -> list[tuple[str, Decimal]]:
    session = node.session(token)
    made = []
    for i in range(PURCHASES_PER_THREAD):
        price = Decimal(f"{len(made) + 1}.{int(hashlib.sha256(f'{tag}{i}'.encode()).hexdigest(), 16) % 100:02d}")
        purchase = create_purchase(session, node, f"writer {tag} #{i}", str(price))
        assert Decimal(purchase["price"]) == price
        made.append((purchase["id"], price))
    return made


def test_concurrent_writers_on_both_nodes_lose_nothing(cluster, token):
    a, b = cluster.nodes
    before = {node.name: summary(node.session(token), node) for node in (a, b)}  # both nodes' caches now warm
    assert before["node-a"] == before["node-b"]

    with ThreadPoolExecutor(max_workers=2 * WRITER_THREADS) as pool:
        futures = [
            pool.submit(_writer, cluster, node, token, f"{node.name}/{thread}")
            for node in (a, b)
            for thread in range(WRITER_THREADS)
        ]
        made = [row for future in futures for row in future.result()]

    expected_count = 2 * WRITER_THREADS * PURCHASES_PER_THREAD
    expected_total = sum((price for _, price in made), Decimal("0"))
    assert len({purchase_id for purchase_id, _ in made}) == expected_count
    ((count, total),) = rows(
        cluster, "SELECT count(*), sum(price) FROM purchases_purchase WHERE product_name LIKE %s", "writer %"
    )
    assert (count, total) == (expected_count, expected_total)
    stored = {
        str(row[0]) for row in rows(cluster, "SELECT id FROM purchases_purchase WHERE product_name LIKE %s", "writer %")
    }
    assert stored == {purchase_id for purchase_id, _ in made}

    for node in (a, b):
        after = summary(node.session(token), node)
        assert after["item_count"] == before[node.name]["item_count"] + expected_count
        assert Decimal(after["total_spent"]) == Decimal(before[node.name]["total_spent"]) + expected_total


def test_analytics_are_fresh_on_both_nodes_after_a_write_on_either(cluster, token):
    a, b = cluster.nodes
    on = {a.name: a.session(token), b.name: b.session(token)}
    for round_ in range(3):
        for writer, reader in ((a, b), (b, a)):
            seen = {node.name: summary(on[node.name], node) for node in (a, b)}  # cached on both
            price = Decimal(f"{round_ + 1}.25")
            create_purchase(on[writer.name], writer, f"fresh {writer.name} {round_}", str(price))
            now = summary(on[reader.name], reader)
            assert now["item_count"] == seen[reader.name]["item_count"] + 1
            assert Decimal(now["total_spent"]) == Decimal(seen[reader.name]["total_spent"]) + price
            assert summary(on[writer.name], writer) == now


def _wait_for_backup(session, node, backup_id: str) -> dict:
    for _ in range(300):
        response = session.get(f"{node.url}/api/backup/status", params={"id": backup_id}, timeout=30)
        assert response.status_code == 200, response.text
        if response.json()["status"] in ("succeeded", "failed"):
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"backup {backup_id} did not finish")


def test_a_backup_running_on_one_node_is_not_taken_for_interrupted_by_the_other(cluster, token):
    """Node B looks at the backups while node A makes one: the one-at-a-time lock is shared by the nodes (not a
    file on one node's disk), so B sees A's run as live and leaves it be."""
    a, b = cluster.nodes
    on_a, on_b = a.session(token), b.session(token)
    answer = {}
    runner = threading.Thread(
        target=lambda: answer.update(
            response=on_a.post(f"{a.url}/api/backup/create", json={"kind": "full"}, timeout=120)
        )
    )
    runner.start()
    seen = []  # what node B says about the newest backup while A makes it
    while runner.is_alive():
        response = on_b.get(f"{b.url}/api/backup/status", timeout=30)  # repairs runs it takes for dead ones
        assert response.status_code == 200, response.text
        latest = response.json()["latest"] or {}
        seen.append((latest.get("status"), latest.get("error")))
    runner.join()
    assert answer["response"].status_code == 202, answer["response"].text
    assert ("running", "") in seen, f"node B never saw the backup running: {seen}"
    assert all(status != "failed" for status, _ in seen), f"node B took A's backup for interrupted: {set(seen)}"
    backup = _wait_for_backup(on_b, b, answer["response"].json()["id"])
    assert (backup["status"], backup["error"]) == ("succeeded", "")


def test_backup_on_one_node_restore_on_the_other(cluster, token):
    a, b = cluster.nodes
    on_a, on_b = a.session(token), b.session(token)
    kept = create_purchase(on_a, a, "Backed-up lamp", "55.00")
    content = f"Lamp receipt {uuid.uuid4()}\n".encode()
    attachment = upload(on_a, a, kept["id"], content)

    response = on_a.post(f"{a.url}/api/backup/create", json={"kind": "full"}, timeout=120)
    assert response.status_code == 202, response.text
    backup = _wait_for_backup(on_b, b, response.json()["id"])
    assert backup["status"] == "succeeded", backup
    assert backup["file_count"] >= 1

    # After the backup: one purchase more, and the backed-up one deleted with its file.
    create_purchase(on_b, b, "After the backup", "1.00")
    assert on_b.delete(f"{b.url}/api/purchases/{kept['id']}", timeout=30).status_code == 204
    assert hashlib.sha256(content).hexdigest() not in cluster.stored_uploads()
    count_at_backup = summary(on_a, a)["item_count"]  # one more and one fewer: the same count, a cached answer

    response = on_b.post(f"{b.url}/api/backup/restore", json={"backup_id": backup["id"], "confirm": True}, timeout=120)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["integrity"] == {"ok": True, "problems": []}
    assert report["files_restored"] >= 1

    names = {row[0] for row in rows(cluster, "SELECT product_name FROM purchases_purchase")}
    assert "Backed-up lamp" in names and "After the backup" not in names
    assert download(on_a, a, attachment["id"]).content == content
    for node, session in ((a, on_a), (b, on_b)):
        fresh = summary(session, node)
        assert fresh["item_count"] == count_at_backup == len(names)
    listed = on_a.get(f"{a.url}/api/backup/list", timeout=30).json()
    assert {item["id"] for item in listed["items"]} >= {backup["id"], report["restore_point_id"]}


def _scheduler_steps() -> list[list[str]]:
    """The `manage.py` commands of the scale compose file's hourly scheduler loop, as argv lists."""
    command = yaml.safe_load((ROOT / "docker-compose.scale.yml").read_text())["services"]["scheduler"]["command"]
    assert command[:2] == ["sh", "-c"] and "sleep 3600" in command[2]
    return [step.split() for step in re.findall(r"python manage\.py ([^;]+);", command[2])]


def test_the_hourly_scheduler_on_two_nodes_backs_up_once(cluster, token):
    """The compose file's scheduler steps, run at the same moment on two nodes: one scheduled backup, not two."""
    a, b = cluster.nodes
    on_a = a.session(token)
    steps = _scheduler_steps()
    assert [step[0] for step in steps] == ["backup", "send_reminders"]
    for item in on_a.get(f"{a.url}/api/backup/list", params={"limit": 100}, timeout=30).json()["items"]:
        assert on_a.delete(f"{a.url}/api/backup/{item['id']}", timeout=30).status_code == 204
    body = {"enabled": True, "frequency": "daily", "keep_last": 7}
    assert on_a.put(f"{a.url}/api/backup/settings", json=body, timeout=30).status_code == 200

    def run_steps(node):
        return [cluster.manage(*step, DATA_DIR=str(node.data_dir / "scheduler")) for step in steps]

    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(run_steps, (a, b)))
    made = rows(cluster, "SELECT status FROM backups_backup WHERE NOT is_restore_point")
    assert made == [("succeeded",)], outputs
    assert sum("No backup due" in output[0] for output in outputs) == 1, outputs


def test_the_proxy_spreads_requests_over_both_nodes(cluster, proxy, token):
    session = proxy.session(token)
    ids = [f"spread-{i}-{uuid.uuid4().hex[:12]}" for i in range(24)]
    for request_id in ids:
        response = session.get(f"{proxy.url}/api/auth/me", headers={"X-Request-ID": request_id}, timeout=30)
        assert response.status_code == 200, response.text
        assert response.headers["X-Request-ID"] == request_id
    served = {node.name: sum(f"[{rid}]" in node.log.read_text() for rid in ids) for node in cluster.nodes}
    assert sum(served.values()) == len(ids), served  # each request served once, by one node
    assert all(served.values()), f"one node got no request: {served}"


def _failed_sign_in_from(proxy, source: str, username: str, spoofed: str) -> int:
    """POST /api/auth/token through the proxy from the loopback address `source`, claiming to be `spoofed`."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30, source_address=(source, 0))
    body = f'{{"username": "{username}", "password": "wrong"}}'
    headers = {"Content-Type": "application/json", "X-Forwarded-For": spoofed}
    conn.request("POST", "/api/auth/token", body=body, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_behind_the_proxy_the_nodes_see_the_address_the_proxy_saw(cluster, proxy):
    """TRUSTED_PROXIES: the sign-in lockout counts the client's own address, neither the proxy's nor a forged one."""
    username = f"nobody-{uuid.uuid4().hex[:8]}"
    assert _failed_sign_in_from(proxy, "127.0.0.7", username, spoofed="203.0.113.9") == 400
    recorded = rows(cluster, "SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s", username)
    assert recorded == [("127.0.0.7",)]


def test_a_node_going_away_behind_the_proxy_loses_no_request(cluster, proxy, token):
    """Rolling restarts: node B stops (SIGTERM, as `docker stop`); the proxy sends everything to node A."""
    a, b = cluster.nodes
    assert cluster.stop(b) == 0, b.log_tail()
    session = proxy.session(token)
    statuses = [session.get(f"{proxy.url}/api/auth/me", timeout=30).status_code for _ in range(10)]
    assert statuses == [200] * 10


def test_nodes_stop_gracefully_on_sigterm(cluster):
    """What `docker stop` does to the exec-form CMD: gunicorn gets SIGTERM itself and exits cleanly."""
    for node in list(cluster.nodes):
        assert cluster.stop(node) == 0, node.log_tail()
        assert "Shutting down: Master" in node.log.read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{cluster.nodes[0].url}/api/health", timeout=5)
