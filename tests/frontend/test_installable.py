"""Installable and pleasant (#23): icons and manifest without a 404, dark mode and the phone layout without horizontal
scrolling on the main screens (screenshots kept in test-artifacts/), and the dashboard's top lists ranked by money."""

import datetime
import re
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from catalog.models import Brand, Retailer
from demo.services import demo_data_create
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, BrandFactory, PurchaseFactory, RetailerFactory
from tests.frontend.helpers import money, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}
SCREENS = {  # hash → an element that shows once the screen has its data
    "dashboard": ("#/dashboard", "#chart-spending svg"),
    "purchases": ("#/purchases", "#purchase-table tbody tr"),
    "warranties": ("#/warranties", "#warranties-title"),
    "transfer": ("#/transfer", "#import-file"),
    "household": ("#/household", "#household"),
}
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def _save(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def _demo_page(browser, live_server, *, color_scheme="light", viewport=None):
    for name in ("Amazon", "MediaMarkt", "IKEA", "Apple Store", "Decathlon"):  # what the demo picks from
        Retailer.objects.get_or_create(name=name)
    for name in ("Apple", "Samsung", "Sony", "Bosch", "Nintendo"):
        Brand.objects.get_or_create(name=name)
    result = demo_data_create(purchases=40, seed=23, password=PASSWORD)
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900}, color_scheme=color_scheme)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    page.failed = []
    page.on("response", lambda response: response.status >= 400 and page.failed.append(response.url))
    page.on("console", lambda message: message.type == "error" and page.failed.append(message.text))
    sign_in(page, SimpleNamespace(username=result.username))
    return page


def _visit_every_screen(page, prefix: str) -> None:
    for name, (address, ready) in SCREENS.items():
        page.goto(f"{page.base_url}/{address}")
        page.locator(ready).first.wait_for()
        page.wait_for_load_state("networkidle")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways"
        _save(page, f"{prefix}-{name}")


def test_icons_and_manifest_load_without_a_404(app_page):
    page = app_page
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(f"{page.base_url}/")
    page.wait_for_selector("#dashboard-title")
    manifest_href = page.get_attribute("link[rel=manifest]", "href")
    manifest = page.request.get(f"{page.base_url}{manifest_href}")
    assert manifest.status == 200
    assert manifest.headers["content-type"] == "application/manifest+json"
    body = manifest.json()
    assert (body["name"], body["start_url"], body["display"]) == ("Spends Tracker", "/", "standalone")
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512", "any"} <= sizes
    for icon in body["icons"]:  # each icon is there, as the type it claims
        response = page.request.get(f"{page.base_url}{icon['src']}")
        assert response.status == 200 and response.headers["content-type"] == icon["type"], icon
    for rel in ("icon", "apple-touch-icon"):
        for href in page.eval_on_selector_all(f"link[rel={rel}]", "links => links.map((link) => link.href)"):
            assert page.request.get(href).status == 200, href
    favicon = page.request.get(f"{page.base_url}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert failed == []


def test_dark_mode_on_every_main_screen(browser, live_server, transactional_db):
    page = _demo_page(browser, live_server, color_scheme="dark")
    page.goto(f"{page.base_url}/")
    page.wait_for_selector("#chart-spending svg")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(16, 22, 29)"  # the dark --bg, not the light page
    _visit_every_screen(page, "dark")
    assert page.failed == []
    page.context.close()


def test_phone_layout_on_every_main_screen_folds_the_filters(browser, live_server, transactional_db):
    page = _demo_page(browser, live_server, viewport=PHONE)
    _visit_every_screen(page, "phone")
    page.goto(f"{page.base_url}/#/purchases")
    page.locator("#purchase-table tbody tr").first.wait_for()
    assert page.is_visible("#f-search") and not page.is_visible("#f-status")  # folded behind the button
    rows_on_screen = page.evaluate(
        "[...document.querySelectorAll('#purchase-table tbody tr')].filter((row) => "
        "row.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert rows_on_screen >= 3  # compact rows: several purchases fit on the first screen
    _save(page, "phone-purchases")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "phone.png"))  # the first screen, as the README shows it
    page.focus("#filters-toggle")  # the keyboard opens the filters too
    page.keyboard.press("Enter")
    page.locator("#f-status").wait_for()
    assert page.get_attribute("#filters-toggle", "aria-expanded") == "true"
    page.select_option("#f-status", "RECEIVED")
    page.wait_for_url(re.compile(r"status=RECEIVED"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert page.failed == []
    page.context.close()


def test_top_lists_rank_by_money_with_unknown_last(app_page):
    page, user = app_page, app_page.user
    today = datetime.date.today()
    big, small = RetailerFactory(name="Big Ticket"), RetailerFactory(name="Many Small")
    brand = BrandFactory(name="Acme")
    for index in range(3):  # most purchases, least money
        PurchaseFactory(owner=user, product_name=f"Cable {index}", price=Decimal("5.00"), retailer=small,
                        brand=brand, purchase_date=today)  # fmt: skip
    PurchaseFactory(owner=user, product_name="Sofa", price=Decimal("900.00"), retailer=big, purchase_date=today)
    for index in range(4):  # no retailer, no brand: the most purchases and more money than "Many Small"
        PurchaseFactory(owner=user, product_name=f"Thing {index}", price=Decimal("50.00"), purchase_date=today)
    page.goto(f"{page.base_url}/")
    page.wait_for_selector("#top-retailers li")
    names = page.locator("#top-retailers .top-name").all_inner_texts()
    assert names == ["Big Ticket", "Many Small", "Unknown"]
    first = page.inner_text("#top-retailers li >> nth=0")
    assert money(page, "900.00") in first and "1 purchase · 80.7" in first and "of spending" in first
    assert page.locator("#top-brands .top-name").all_inner_texts() == ["Acme", "Unknown"]
    stats = page.inner_text("#dashboard-totals")
    assert "Average price per purchase" in stats and "Spent this month" in stats
    _save(page, "dashboard-top-lists")


def test_returns_closing_beside_the_expiring_warranties(app_page):
    page, user = app_page, app_page.user
    today = datetime.date.today()
    PurchaseFactory(owner=user, product_name="Boots", purchase_date=today, return_by=today + datetime.timedelta(days=5))
    page.goto(f"{page.base_url}/")
    returns = page.locator("#returns-closing")
    returns.wait_for()
    assert "Boots" in returns.inner_text() and "5 days left" in returns.inner_text()


def test_dashboard_screenshot_for_the_docs(browser, live_server, transactional_db, shipped_rates):
    page = _demo_page(browser, live_server)
    page.goto(f"{page.base_url}/")
    page.wait_for_selector("#chart-spending svg")
    page.wait_for_load_state("networkidle")
    # The demo data are in several currencies (#22): the dashboard converts them to the home currency.
    expect(page.locator("#stat-converted")).to_contain_text("converted to USD")
    expect(page.locator("#dashboard-currency")).to_have_value("HOME")
    shutil.copy(_save(page, "dashboard"), DOCS / "dashboard.png")
    assert page.failed == []
    page.context.close()
