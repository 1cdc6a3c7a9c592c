"""The Backups screen in Chromium (#23, superusers): delete, the schedule, and restore, from a listed backup run by the
task runner (the confirmation, its progress, signing in again, the result and the restore point) and from an uploaded
archive another installation signed (the foreign-archive warning and its second confirmation). Screenshots go to
test-artifacts/."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from backups import services
from backups.models import Backup, BackupSettings
from purchases.models import Purchase
from tests.backups.test_restore_jobs import run_worker
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, PurchaseFactory, UserFactory
from tests.frontend.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"backups-{name}.png"), full_page=True)


@pytest.fixture
def root_page(page, transactional_db):
    page.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in(page, page.user)
    return page


def open_backups(page):
    page.goto(f"{page.base_url}/#/backups")
    expect(page.locator("#backup-table")).to_be_visible()


def confirm_restore(page, source_text):
    dialog = page.locator("#restore-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#restore-source")).to_contain_text(source_text)
    expect(dialog).to_contain_text("all current data")
    expect(page.locator("#restore-point-offer")).to_contain_text("restore point")
    expect(page.locator("#restore-confirm")).to_be_disabled()  # not before "I understand"
    page.check("#restore-understood")
    expect(page.locator("#restore-confirm")).to_be_enabled()


def test_a_restore_from_the_list_shows_its_progress_until_it_has_ended(root_page, settings):
    page = root_page
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # production's runner
    settings.BACKUP_RESTORE_WAIT_SECONDS = 0.5
    PurchaseFactory(owner=page.user, product_name="Before")
    backup = services.backup_create()
    PurchaseFactory(owner=page.user, product_name="After")

    open_backups(page)
    page.get_by_role("button", name=f"Restore {backup.filename}").click()
    confirm_restore(page, backup.filename)
    screenshot(page, "restore-confirmation")
    page.click("#restore-confirm")
    expect(page.locator("#restore-status")).to_contain_text("Waiting for the task runner")
    expect(page.locator("#restore-status")).to_contain_text(f"Restoring {backup.filename}")
    expect(page.locator("#restore-status progress")).to_be_visible()
    screenshot(page, "restore-progress")
    assert Purchase.objects.filter(product_name="After").exists()  # nothing replaced before the runner ran

    run_worker(settings)
    expect(page.locator("#restore-signed-out")).to_be_visible(timeout=30_000)  # sessions are not restored
    assert sorted(Purchase.objects.values_list("product_name", flat=True)) == ["Before"]
    point = Backup.objects.get(is_restore_point=True)
    screenshot(page, "restore-signed-out")

    page.click("#restore-sign-in")
    page.wait_for_url(re.compile(r"/sign-in"))  # filled before the sign-in page loads, the field would be reset
    page.wait_for_load_state("networkidle")
    page.fill("#sign-in-username", "root")
    page.fill("#sign-in-password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#restore-done")).to_be_visible(timeout=15_000)  # sign-in, then the result: slow under load
    expect(page.locator("#restore-summary")).to_contain_text(f"Restored from {backup.filename}")
    expect(page.locator("#restore-integrity")).to_have_text("Integrity check: no problems.")
    expect(page.locator("#restore-point")).to_contain_text(point.filename)
    expect(page.locator("#restore-undo")).to_be_visible()
    expect(page.locator("#backup-table tbody .badge:visible", has_text="restore point")).to_have_count(1)
    screenshot(page, "restore-done")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "phone")


def test_an_uploaded_foreign_archive_needs_a_second_confirmation(root_page, settings, tmp_path):
    page = root_page
    PurchaseFactory(owner=page.user, product_name="Before")
    backup = services.backup_create()
    upload = tmp_path / "from-elsewhere.zip"
    shutil.copy(Path(settings.BACKUP_DIR) / backup.filename, upload)
    backup.delete()
    settings.BACKUP_SIGNING_KEY = "another-installation-key-0123456789"  # the archive is now another installation's
    PurchaseFactory(owner=page.user, product_name="After")
    services.backup_create()  # the list is not empty

    open_backups(page)
    page.set_input_files("#restore-file", str(upload))
    confirm_restore(page, "from-elsewhere.zip")
    page.click("#restore-confirm")
    expect(page.locator("#foreign-warning")).to_contain_text("not made by this installation")
    expect(page.locator("#foreign-warning")).to_contain_text("signature")
    expect(page.locator("#restore-confirm")).to_be_disabled()  # until the second confirmation
    screenshot(page, "restore-foreign-warning")
    assert Purchase.objects.filter(product_name="After").exists()  # refused: nothing changed

    page.check("#restore-allow-foreign")
    page.click("#restore-confirm")
    expect(page.locator("#restore-done")).to_be_visible(timeout=30_000)
    expect(page.locator("#restore-summary")).to_contain_text("Restored from from-elsewhere.zip")
    expect(page.locator("#restore-sign-in")).to_be_visible()
    assert sorted(Purchase.objects.values_list("product_name", flat=True)) == ["Before"]
    assert Backup.objects.filter(is_restore_point=True).count() == 1


def test_a_backup_is_deleted_and_the_schedule_saved(root_page):
    page = root_page
    kept = services.backup_create()
    doomed = services.backup_create()
    open_backups(page)
    expect(page.locator("#backup-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name=f"Delete {doomed.filename}").click()
    expect(page.locator("#confirm-dialog")).to_contain_text(doomed.filename)
    page.click("#confirm-yes")
    page.get_by_text(f"Backup {doomed.filename} deleted.").wait_for()
    expect(page.locator("#backup-table tbody tr")).to_have_count(1)
    assert list(Backup.objects.values_list("pk", flat=True)) == [kept.pk]

    expect(page.locator("#schedule-next")).to_have_text("No backups are scheduled.")
    page.check("#schedule-enabled")
    page.select_option("#schedule-frequency", "weekly")
    page.fill("#schedule-keep", "400")
    page.click("#schedule-save")
    expect(page.locator("#schedule-keep-error")).to_be_visible()
    assert BackupSettings.load().enabled is False  # refused: nothing changed
    page.fill("#schedule-keep", "3")
    page.click("#schedule-save")
    page.get_by_text("Backup schedule saved.").wait_for()
    stored = BackupSettings.load()
    assert (stored.enabled, stored.frequency, stored.keep_last) == (True, "weekly", 3)
    expect(page.locator("#schedule-next")).to_have_text(re.compile(r"^Next scheduled backup: "))
    screenshot(page, "list-and-schedule")
    page.reload()
    expect(page.locator("#schedule-frequency")).to_have_value("weekly")
    expect(page.locator("#schedule-keep")).to_have_value("3")
    expect(page.locator("#schedule-enabled")).to_be_checked()
