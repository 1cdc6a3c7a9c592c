"""Small helpers shared by the web dashboard's browser tests."""

from tests.factories import PASSWORD


def sign_in(page, user):
    """Sign in through the API with the page's cookie jar (the sign-in form has its own test)."""
    response = page.request.post(
        f"{page.base_url}/api/auth/login", data={"username": user.username, "password": PASSWORD}
    )
    assert response.ok, response.text()


def money(page, amount, currency="USD"):
    """The amount as the page formats it (Intl.NumberFormat in the browser's locale)."""
    return page.evaluate(
        "([amount, currency]) => new Intl.NumberFormat(undefined, {style: 'currency', currency}).format(amount)",
        [float(amount), currency],
    )


def wait_for_products(page, table, names):
    """Wait until the table lists exactly these product names (in any order)."""
    page.wait_for_function(
        """([table, names]) => {
            const cells = document.querySelectorAll(`${table} tbody td[data-label=Product]`);
            const shown = [...cells].map((cell) => cell.firstElementChild
                ? cell.firstElementChild.textContent.trim() : cell.textContent.trim()).sort();
            return JSON.stringify(shown) === JSON.stringify([...names].sort());
        }""",
        arg=[table, names],
    )


def drop_file(page, selector, name, content, content_type):
    """Drop a file on an element, as a drag and drop from the desktop does."""
    page.evaluate(
        """([selector, name, content, type]) => {
            const data = new DataTransfer();
            data.items.add(new File([content], name, {type}));
            const drop = new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true});
            document.querySelector(selector).dispatchEvent(drop);
        }""",
        [selector, name, content, content_type],
    )
