"""`manage.py check_uploads [--fix]`: missing files mark attachments unavailable (and available again), files that
nothing references are listed and, with --fix, removed."""

import hashlib
import io

import pytest
from django.core.management import call_command

from attachments.models import Attachment
from tests.attachments.conftest import PDF, PNG, TEXT, StoredFile, stored_files, stored_path

pytestmark = pytest.mark.django_db


def check_uploads(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("check_uploads", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def orphan(content: bytes, suffix: str = "") -> StoredFile:
    digest = hashlib.sha256(content).hexdigest()
    path = StoredFile(f"uploads/{digest[:2]}/{digest[2:4]}/{digest}{suffix}")
    path.write_bytes(content)
    return path


def test_a_clean_store_reports_nothing(purchase, make_attachment):
    make_attachment(purchase, PDF)
    out, err = check_uploads()
    assert "1 referenced file(s) checked, 0 missing" in out
    assert "0 unreferenced file(s)" in out
    assert "missing:" not in out and "unreferenced:" not in out
    assert "checked 1 referenced file(s)" in err  # progress goes to stderr


def test_a_deleted_file_marks_its_attachments_unavailable_and_a_returned_one_available(purchase, make_attachment):
    first, second = make_attachment(purchase, PDF), make_attachment(purchase, PDF)
    kept = make_attachment(purchase, PNG)
    stored_path(PDF).unlink()

    out, _ = check_uploads()
    assert f"missing: {first.storage_name}" in out
    assert "1 missing (2 attachment(s) marked unavailable" in out
    assert set(Attachment.objects.filter(pk__in=[first.pk, second.pk]).values_list("available", flat=True)) == {False}
    assert Attachment.objects.get(pk=kept.pk).available is True

    stored_path(PDF).write_bytes(PDF)
    out, _ = check_uploads()
    assert "0 missing (0 attachment(s) marked unavailable, 2 available again)" in out
    assert set(Attachment.objects.values_list("available", flat=True)) == {True}


def test_an_orphan_file_is_listed_and_kept_without_fix(purchase, make_attachment):
    make_attachment(purchase, PDF)
    stray = orphan(TEXT)
    out, _ = check_uploads()
    assert f"unreferenced: {stray.name}" in out
    assert "1 unreferenced file(s) (run with --fix to remove them)" in out
    assert stray.exists()
    assert stored_path(PDF).exists()


def test_fix_removes_orphans_and_keeps_referenced_files(purchase, make_attachment):
    make_attachment(purchase, PDF)
    strays = [orphan(TEXT), orphan(PDF, suffix="_aB3dE9x"), orphan(b"loose")]
    loose = StoredFile("uploads/stray.bin")
    loose.write_bytes(b"x")

    out, err = check_uploads("--fix")
    assert out.count("removed: ") == 4
    assert "4 unreferenced file(s), 4 removed" in out
    assert "removed 4 unreferenced file(s)" in err
    assert not any(path.exists() for path in [*strays, loose])
    assert stored_files() == [stored_path(PDF)]


def test_without_uploads_folder_nothing_fails():
    out, _ = check_uploads("--fix")
    assert "0 referenced file(s) checked" in out
