"""The web dashboard's coverages and claims (#21): a purchase with several warranties edited in the purchase dialog
(sent as the `warranties` set), inline errors per coverage, and a warranty's claims dialog (a claim that extends the
end, deleting it moves the end back; a viewer only reads)."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from households.models import Membership
from purchases.models import Purchase
from tests.factories import PurchaseFactory, UserFactory, WarrantyFactory
from tests.frontend.helpers import sign_in
from warranties.models import Claim, Warranty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_coverage(page, index, *, kind, start, end=None, months=None, provider="", reference="", cost=""):
    page.select_option(f"#cov-{index}-type", kind)
    page.fill(f"#cov-{index}-start", start)
    if months is not None:
        page.select_option(f"#cov-{index}-end-by", "months")
        page.fill(f"#cov-{index}-months", str(months))
    elif end is not None:
        page.fill(f"#cov-{index}-end", end)
    page.fill(f"#cov-{index}-provider", provider)
    page.fill(f"#cov-{index}-reference", reference)
    page.fill(f"#cov-{index}-cost", cost)


def save(page):
    page.click("#save-purchase")
    page.locator("#purchase-dialog").wait_for(state="hidden")


def test_add_a_purchase_with_two_coverages_then_remove_one_and_add_another(app_page):
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    page.get_by_text("No purchases yet — add one or import a CSV").wait_for()

    page.click("#add-purchase")
    page.fill("#p-name", "Fridge")
    page.fill("#p-price", "1200")
    page.fill("#p-date", "2025-02-01")
    page.click("#add-coverage")
    fill_coverage(page, 0, kind="LIMITED", start="2025-02-01", end="2027-02-01", provider="Maker")
    page.click("#add-coverage")
    expect(page.locator("#cov-1-type")).to_be_focused()  # the new coverage's first field
    fill_coverage(page, 1, kind="EXTENDED", start="2025-02-01", months=120, provider="Compressor plan", cost="89.90")
    save(page)

    row = page.locator("#purchase-table tbody tr", has_text="Fridge")
    expect(row.locator(".coverage-count")).to_have_text("2 coverages")
    fridge = Purchase.objects.get(product_name="Fridge")
    stored = {w.provider: w for w in fridge.warranties.all()}
    assert set(stored) == {"Maker", "Compressor plan"}
    assert (stored["Maker"].warranty_type, stored["Maker"].warranty_end) == ("LIMITED", datetime.date(2027, 2, 1))
    assert stored["Compressor plan"].warranty_end == datetime.date(2035, 2, 1)  # 120 months after the start
    assert stored["Compressor plan"].cost == Decimal("89.90")

    # Edit: both are shown (by end, the plan last); remove the maker's, add a card's extra year with a reference.
    page.click("button[aria-label='Edit Fridge']")
    expect(page.locator("#coverages .coverage")).to_have_count(2)
    assert page.input_value("#cov-0-provider") == "Maker"
    assert page.input_value("#cov-1-provider") == "Compressor plan"
    assert page.input_value("#cov-1-end") == "2035-02-01"
    page.click("button[aria-label='Remove coverage 1']")
    expect(page.locator("#coverages .coverage")).to_have_count(1)
    expect(page.locator("#removed-coverages")).to_contain_text("will be deleted when you save")
    assert page.input_value("#cov-0-provider") == "Compressor plan"
    page.click("#add-coverage")
    fill_coverage(page, 1, kind="OTHER", start="2027-02-01", end="2028-02-01", provider="Card", reference="VISA-77")
    save(page)

    page.get_by_text("Saved “Fridge”.").wait_for()
    after = {w.provider: w for w in Warranty.objects.filter(purchase=fridge)}
    assert set(after) == {"Compressor plan", "Card"}
    assert after["Compressor plan"].pk == stored["Compressor plan"].pk  # kept by id, not deleted and re-created
    assert after["Compressor plan"].warranty_end == datetime.date(2035, 2, 1)
    assert after["Card"].reference == "VISA-77" and after["Card"].warranty_type == "OTHER"
    assert not Warranty.objects.filter(pk=stored["Maker"].pk).exists()


def test_a_coverage_error_shows_at_its_own_input_and_nothing_changes(app_page):
    purchase = PurchaseFactory(owner=app_page.user, product_name="Laptop", purchase_date=datetime.date(2025, 1, 10))
    first = WarrantyFactory(purchase=purchase, provider="Maker", warranty_end=datetime.date(2026, 1, 10))
    WarrantyFactory(purchase=purchase, provider="Shop plan", warranty_end=datetime.date(2028, 1, 10))
    page = app_page
    page.goto(f"{page.base_url}/#/purchases")
    page.click("button[aria-label='Edit Laptop']")
    expect(page.locator("#coverages .coverage")).to_have_count(2)

    # Editing a purchase with several coverages used to answer 409 (it sent `warranty`); now the second one's bad end
    # is refused at that coverage's own input.
    page.fill("#cov-0-provider", "Maker (renamed)")
    page.fill("#cov-1-end", "2024-01-01")
    page.click("#save-purchase")
    error = page.locator("#cov-1-end-error")
    error.wait_for()
    assert "on or after" in error.inner_text()
    assert page.get_attribute("#cov-1-end", "aria-invalid") == "true"
    expect(page.locator("#cov-0-end-error")).to_be_hidden()
    assert page.locator("#purchase-dialog").is_visible()
    first.refresh_from_db()
    assert first.provider == "Maker"  # all or nothing

    page.fill("#cov-1-end", "2029-01-10")
    save(page)
    first.refresh_from_db()
    assert first.provider == "Maker (renamed)"
    assert Warranty.objects.get(purchase=purchase, provider="Shop plan").warranty_end == datetime.date(2029, 1, 10)


def open_claims(page, product):
    page.goto(f"{page.base_url}/#/warranties")
    page.click(f"button[aria-label='Claims on {product} (Limited)']")
    page.locator("#claims-dialog").wait_for()


def end_cell(page, product):
    return page.locator("#warranty-table tbody tr", has_text=product).locator("td[data-label=End]")


def claim_badge(page, issue):
    return page.locator("#claim-list li", has_text=issue).locator(".badge")


def test_file_a_claim_that_extends_the_end_then_delete_it(app_page):
    today = datetime.date.today()
    purchase = PurchaseFactory(owner=app_page.user, product_name="Washer", purchase_date=today)
    end = today + datetime.timedelta(days=100)
    warranty = WarrantyFactory(purchase=purchase, warranty_start=today, warranty_end=end)
    page = app_page
    open_claims(page, "Washer")
    page.get_by_text("No claims filed on this warranty.").wait_for()

    # A closed status without a closing date: refused, in words, at the field.
    new_end = end + datetime.timedelta(days=180)
    page.fill("#claim-issue", "Drum bearing noise")
    page.select_option("#claim-status", "APPROVED")
    page.fill("#claim-extends", new_end.isoformat())
    page.click("#save-claim")
    expect(page.locator("#claim-closed-error")).to_contain_text("Closed on is required unless the claim is open.")
    expect(page.locator("#claims-error")).to_have_text("Please correct: Closed on.")
    assert not Claim.objects.exists()

    page.fill("#claim-closed", today.isoformat())
    page.click("#save-claim")
    page.locator("#claim-list li", has_text="Drum bearing noise").wait_for()
    expect(claim_badge(page, "Drum bearing noise")).to_have_text("Approved")
    claim = Claim.objects.get()
    assert (claim.status, claim.previous_warranty_end) == ("APPROVED", end)
    warranty.refresh_from_db()
    assert warranty.warranty_end == new_end
    expect(page.locator("#claims-warranty")).to_contain_text(
        page.evaluate("d => window.SpendsApp.fmt.date(d)", new_end.isoformat())
    )
    page.click("#claims-dialog button[aria-label=Close]")
    # The list behind the dialog shows the new end and the claim count.
    expected_end = page.evaluate("d => window.SpendsApp.fmt.date(d)", new_end.isoformat())
    expect(end_cell(page, "Washer")).to_have_text(expected_end)
    expect(page.locator("#warranty-table tbody tr", has_text="Washer").locator(".claim-count")).to_have_text("1")

    # Change its status back to OPEN: the extension is withdrawn.
    page.click("button[aria-label='Claims on Washer (Limited)']")
    page.click("button[aria-label='Change the claim Drum bearing noise']")
    page.select_option("#claim-status", "OPEN")
    page.fill("#claim-closed", "")
    page.click("#save-claim")
    expect(claim_badge(page, "Drum bearing noise")).to_have_text("Open")
    warranty.refresh_from_db()
    assert warranty.warranty_end == end and Claim.objects.get().status == "OPEN"

    # Resolved again, then deleted: the end moves out and back.
    page.click("button[aria-label='Change the claim Drum bearing noise']")
    page.select_option("#claim-status", "RESOLVED")
    page.fill("#claim-closed", today.isoformat())
    page.click("#save-claim")
    expect(claim_badge(page, "Drum bearing noise")).to_have_text("Resolved")
    warranty.refresh_from_db()
    assert warranty.warranty_end == new_end
    page.click("button[aria-label='Delete the claim Drum bearing noise']")
    page.click("#confirm-yes")
    page.get_by_text("No claims filed on this warranty.").wait_for()
    warranty.refresh_from_db()
    assert warranty.warranty_end == end and not Claim.objects.exists()


def test_a_viewer_reads_claims_but_sees_no_write_button(page, transactional_db):
    owner = UserFactory(username="owner")
    warranty = WarrantyFactory(purchase=PurchaseFactory(owner=owner, product_name="Shared TV"))
    Claim.objects.create(warranty=warranty, opened_on=warranty.warranty_start, issue="Dead pixel")
    viewer = UserFactory(username="viewer")
    Membership.objects.filter(user=viewer).update(household=Membership.objects.get(user=owner).household, role="VIEWER")
    sign_in(page, viewer)

    open_claims(page, "Shared TV")
    page.locator("#claim-list li", has_text="Dead pixel").wait_for()
    expect(page.locator("#claim-form")).to_be_hidden()
    expect(page.locator("#claim-list button", has_text="Delete")).to_be_hidden()
    expect(page.locator("#claim-list button", has_text="Change")).to_be_hidden()
