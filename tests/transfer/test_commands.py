"""import_purchases / export_purchases: thin wrappers over transfer.services, progress on stderr."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from purchases.models import Purchase
from tests.transfer.conftest import HEADER, as_imported_by, csv_rows, without_regenerated

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_export_csv_to_a_file_and_import_it_for_another_user(tmp_path, owner, other_user, rich_data):
    path = tmp_path / "out.csv"
    out, err = run("export_purchases", "--user", "owner", "--format", "csv", "-o", str(path))
    assert out == ""
    assert "6/6" in err
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    assert len(csv_rows(text)) == 6

    out, err = run("import_purchases", str(path), "--user", "other", "--dry-run")
    assert json.loads(out)["dry_run"] is True and json.loads(out)["created"] == 6
    assert "validating" in err
    assert not Purchase.objects.filter(household__memberships__user=other_user, product_name="Twin").exists()

    out, _ = run("import_purchases", str(path), "--user", "other")
    assert json.loads(out)["created"] == 6
    assert Purchase.objects.filter(household__memberships__user=other_user, product_name="Twin").count() == 2
    out, _ = run("import_purchases", str(path), "--user", "other", "--on-duplicate", "update")
    assert json.loads(out)["skipped"] == 6


def test_export_json_to_stdout_round_trips_through_the_import_command(tmp_path, owner, other_user, rich_data):
    Purchase.objects.filter(household__memberships__user=other_user).delete()
    out, _ = run("export_purchases", "--user", "owner", "--format", "json")
    original = json.loads(out)
    path = tmp_path / "export.json"
    path.write_text(out, encoding="utf-8")
    assert json.loads(run("import_purchases", str(path), "--user", "other")[0])["created"] == 6
    copy = json.loads(run("export_purchases", "--user", "other")[0])
    assert without_regenerated(copy) == without_regenerated(as_imported_by(original, "other"))


def test_import_with_errors_fails_and_writes_nothing_unless_partial(tmp_path, owner):
    path = tmp_path / "bad.csv"
    path.write_text("product_name,price,purchase_date\nGood,1,2025-01-01\nBad,-1,2025-01-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        run("import_purchases", str(path), "--user", "owner")
    assert not Purchase.objects.exists()
    out, _ = run("import_purchases", str(path), "--user", "owner", "--partial")
    assert json.loads(out)["created"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], 'No user "nobody"'),
        (["--user", "owner", "--format", "json"], "not valid JSON"),
    ],
)
def test_import_command_refuses_bad_input(tmp_path, owner, args, message):
    path = tmp_path / "data.csv"
    path.write_text("product_name,price,purchase_date\n", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("import_purchases", str(path), *args)


def test_import_command_needs_a_known_extension_or_format(tmp_path, owner):
    path = tmp_path / "data.txt"
    path.write_text("product_name,price,purchase_date\nA,1,2025-01-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--format"):
        run("import_purchases", str(path), "--user", "owner")
    out, _ = run("import_purchases", str(path), "--user", "owner", "--format", "csv")
    assert json.loads(out)["created"] == 1


def test_export_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match='No user "ghost"'):
        run("export_purchases", "--user", "ghost")
