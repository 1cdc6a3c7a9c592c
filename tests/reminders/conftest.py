"""Reminder test helpers: a fixed today, warranties ending N days from it, and a mail backend that can fail."""

import datetime

import pytest
import time_machine
from django.core import mail

from tests.factories import PurchaseFactory, RetailerFactory, WarrantyFactory
from tests.reminders import failing_mail
from tests.reminders.receiver import receiver  # noqa: F401 (a fixture: a local HTTP receiver)

TODAY = datetime.date(2025, 6, 1)


def ending(owner, days: int | None, *, today: datetime.date = TODAY, retailer=None, **kwargs):
    """A warranty of `owner` ending `days` after `today` (None: a LIFETIME warranty without an end)."""
    purchase = PurchaseFactory(
        owner=owner,
        retailer=retailer,
        purchase_date=today - datetime.timedelta(days=400),
        **({"product_name": kwargs.pop("product_name")} if "product_name" in kwargs else {}),
    )
    end = None if days is None else today + datetime.timedelta(days=days)
    return WarrantyFactory(purchase=purchase, warranty_end=end, **kwargs)


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield TODAY


@pytest.fixture
def retailer(db):
    return RetailerFactory(name="Bikes & Co <Berlin>")


def _reset_failing_mail():
    failing_mail.FAILING.clear()
    failing_mail.FAILING_SUBJECT_WORDS.clear()
    failing_mail.SEND_DELAY["seconds"] = 0.0


@pytest.fixture
def failing(settings):
    """Mail goes to mail.outbox, except to addresses in `.FAILING` or with a word of `.FAILING_SUBJECT_WORDS` in
    the subject, which the backend refuses like an SMTP server (SMTPRecipientsRefused)."""
    settings.EMAIL_BACKEND = "tests.reminders.failing_mail.FailingBackend"
    _reset_failing_mail()
    yield failing_mail
    _reset_failing_mail()


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox = []
