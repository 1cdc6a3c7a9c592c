"""The Household screen in Chromium (#20): an owner invites, someone joins with the code, the owner changes their
role; a viewer sees the records but no button that would change them."""

import re

import pytest
from playwright.sync_api import expect

from households.models import Membership
from tests.conftest import token_client
from tests.factories import PurchaseFactory, UserFactory
from tests.frontend.helpers import sign_in, wait_for_products

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_invites_a_member_and_makes_them_a_viewer(app_page):
    page = app_page
    page.goto(f"{page.base_url}/#/household")
    expect(page.locator("#my-role")).to_have_text("Owner")
    page.select_option("#invite-role", "EDITOR")
    page.click("#invite-create")
    expect(page.locator("#invite-code")).to_have_text(re.compile(r"\S{16,}"))
    code = page.locator("#invite-code").inner_text()
    assert len(code) >= 16
    expect(page.locator("#invite-list li")).to_have_count(1)
    assert code not in page.locator("#invite-list").inner_text()  # the list shows a masked code only

    joiner = UserFactory(username="bob")
    response = token_client(joiner).post("/api/household/join", {"code": code, "bring_data": False}, format="json")
    assert response.status_code == 200, response.content
    owner_household = Membership.objects.get(user=page.user).household_id
    assert Membership.objects.get(user=joiner).household_id == owner_household

    page.reload()
    row = page.locator("#member-table tbody tr", has_text="bob")
    expect(row).to_have_count(1)
    expect(page.locator("#invite-list li")).to_have_count(0)  # the code is used up
    row.get_by_label("Role of bob").select_option("VIEWER")
    page.get_by_text("bob is now viewer.").wait_for()
    assert Membership.objects.get(user=joiner).role == "VIEWER"


def test_a_viewer_sees_the_households_records_but_no_write_button(page, transactional_db):
    owner = UserFactory(username="owner")
    PurchaseFactory(owner=owner, product_name="Shared kettle")
    viewer = UserFactory(username="viewer")
    Membership.objects.filter(user=viewer).update(household=Membership.objects.get(user=owner).household, role="VIEWER")
    sign_in(page, viewer)

    page.goto(f"{page.base_url}/#/purchases")
    wait_for_products(page, "#purchase-table", ["Shared kettle"])
    expect(page.locator("#add-purchase")).to_be_hidden()
    expect(page.locator("#purchase-table button", has_text="Edit")).to_be_hidden()

    page.goto(f"{page.base_url}/#/transfer")
    expect(page.locator("#import-viewer-note")).to_be_visible()
    expect(page.locator("#import-run")).to_be_hidden()

    page.goto(f"{page.base_url}/#/household")
    expect(page.locator("#my-role")).to_have_text("Viewer")
    expect(page.locator("#invite-create")).to_be_hidden()
    expect(page.get_by_role("button", name="Leave the household")).to_be_visible()


def test_leaving_gives_an_empty_household_of_ones_own(page, transactional_db):
    owner = UserFactory(username="owner")
    PurchaseFactory(owner=owner, product_name="Shared kettle")
    member = UserFactory(username="member")
    shared = Membership.objects.get(user=owner).household
    Membership.objects.filter(user=member).update(household=shared, role="EDITOR")
    sign_in(page, member)

    page.goto(f"{page.base_url}/#/household")
    page.get_by_role("button", name="Leave the household").click()
    page.click("#confirm-yes")
    page.get_by_text("You left the household.").wait_for()
    expect(page.locator("#my-role")).to_have_text("Owner")
    assert Membership.objects.get(user=member).household_id != shared.pk
    page.goto(f"{page.base_url}/#/purchases")
    page.get_by_text("No purchases yet").wait_for()
