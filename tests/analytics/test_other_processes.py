"""Answers stay fresh when another process writes (#19): `manage.py import_purchases` in its own process, with the
default per-process cache (locmem), shows in this process's next dashboard. This process plays the running server:
its cache holds the answer from before the import, which the importing process cannot delete."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from purchases.models import Purchase
from tests.backups.processes import ROOT, child_env
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _dashboard_count(client) -> int:
    response = client.get("/api/analytics/dashboard")
    assert response.status_code == 200, response.content
    return response.json()["summary"]["item_count"]


def test_an_import_in_another_process_shows_in_the_next_dashboard(owner_client, settings, tmp_path):
    assert django_settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")  # the per-process default
    owner = owner_client.user
    PurchaseFactory.create_batch(2, owner=owner, currency_code="USD")
    assert _dashboard_count(owner_client) == 2  # computed and cached in this process
    assert _dashboard_count(owner_client) == 2

    rows = [f"Imported {i},{i + 1}.00,2025-02-{1 + i % 28:02d},USD" for i in range(30)]
    csv_file = tmp_path / "purchases.csv"
    csv_file.write_text("\n".join(["product_name,price,purchase_date,currency_code", *rows]) + "\n")
    env = {**child_env(settings), "CACHE_URL": "locmemcache://importer"}  # its own cache, as `make dev`'s shell has
    done = subprocess.run(
        [sys.executable, "manage.py", "import_purchases", str(csv_file), "--user", owner.username],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    assert _dashboard_count(owner_client) == 32
    assert Purchase.objects.filter(household__memberships__user=owner).count() == 32
