"""The embedded SQLite default: Unicode case folding, and concurrent writers that wait instead of failing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, connection

from catalog.models import Retailer
from purchases.models import Purchase
from tests.factories import PurchaseFactory, RetailerFactory

ROOT = Path(__file__).resolve().parents[2]
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite default only")


@pytest.mark.django_db
def test_case_insensitive_unique_name_covers_non_ascii_letters():
    Retailer.objects.create(name="Über Shop")
    with pytest.raises(IntegrityError):
        Retailer.objects.create(name="über shop")


@pytest.mark.django_db
def test_icontains_matches_non_ascii_letters_of_either_case(owner):
    shop = RetailerFactory(name="Über Shop")
    PurchaseFactory(owner=owner, product_name="ÆRØ Lamp", retailer=shop)
    PurchaseFactory(owner=owner, product_name="Other")
    assert list(Retailer.objects.filter(name__icontains="über").values_list("name", flat=True)) == ["Über Shop"]
    assert (
        Purchase.objects.filter(household__memberships__user=owner).filter(product_name__icontains="ærø").count() == 1
    )
    assert (
        Purchase.objects.filter(household__memberships__user=owner).filter(product_name__icontains="50%").count() == 0
    )  # LIKE wildcards stay escaped


WRITER = """
import sys, django
django.setup()
from decimal import Decimal
from django.db import transaction
from django.contrib.auth import get_user_model
from purchases.models import Purchase
user = get_user_model().objects.get(username="writer")
failures = 0
for i in range(int(sys.argv[1])):
    try:
        with transaction.atomic():
            # read, then write: the pattern that fails with "database is locked" under DEFERRED transactions
            n = Purchase.objects.filter(household__memberships__user=user).count()
            Purchase.objects.create(household_id=user.membership.household_id, created_by=user, product_name=f"p{n}",
                                    price=Decimal("1.00"), currency_code="USD", purchase_date="2025-01-01")
    except Exception as exc:
        failures += 1
        print("FAILED", exc, file=sys.stderr)
print(failures)
"""


@sqlite_only
def test_concurrent_writer_processes_on_the_sqlite_file_all_succeed(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "spends.settings",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; get_user_model().objects.create(username='writer')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    writers, per_writer = 6, 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(per_writer)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(writers)
    ]
    results = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * writers, results
    assert [out.strip() for out, _ in results] == ["0"] * writers, results
    count = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from purchases.models import Purchase; print(Purchase.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert count.stdout.strip().splitlines()[-1] == str(writers * per_writer)
