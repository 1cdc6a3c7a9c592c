"""The rules of a purchase's own fields, once: DRF field factories (no serializer), which the API's
PurchaseSerializer declares its fields from and the import runs on its rows (`field.run_validation`). The keys are
the representation's written keys; the nested warranty's rules are the warranties app's (composed by the caller, as
the API composes the serializers)."""

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from rest_framework import fields
from rest_framework.exceptions import ValidationError

from purchases.choices import PurchaseStatus
from purchases.models import NOTES_MAX_LENGTH, PRODUCT_NAME_MAX_LENGTH, return_window_errors
from spends import clock
from spends.fields import CurrencyCodeField, ExchangeRateField, MoneyField


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def product_name() -> fields.CharField:
    return fields.CharField(min_length=1, max_length=PRODUCT_NAME_MAX_LENGTH)


def price() -> MoneyField:
    return MoneyField(min_value=Decimal("0"))


def currency_code() -> CurrencyCodeField:
    return CurrencyCodeField(default=default_currency, help_text="ISO 4217; default DEFAULT_CURRENCY.")


def status() -> fields.ChoiceField:
    return fields.ChoiceField(choices=PurchaseStatus.choices, default=PurchaseStatus.ORDERED)


def purchase_date() -> fields.DateField:
    return fields.DateField()


def notes() -> fields.CharField:
    return fields.CharField(max_length=NOTES_MAX_LENGTH, allow_blank=True, default="")


RETURN_DAYS_MAX = 3650


def return_by() -> fields.DateField:
    return fields.DateField(
        allow_null=True,
        default=None,
        help_text="Last day the purchase may be returned (YYYY-MM-DD, not before purchase_date); null: no return "
        "window. On write, `return_days` may be given instead (not both).",
    )


def returned_on() -> fields.DateField:
    return fields.DateField(
        allow_null=True,
        default=None,
        help_text="The day it was returned: set exactly when status is RETURNED, not before purchase_date. Writing "
        "status RETURNED without it (or with null) keeps the purchase's earlier return date, else sets today (UTC); "
        "a date with any other status is refused (400 on returned_on); changing the status away from RETURNED "
        "without giving returned_on clears it.",
    )


def return_days() -> fields.IntegerField:
    return fields.IntegerField(
        min_value=0,
        max_value=RETURN_DAYS_MAX,
        required=False,
        write_only=True,
        help_text="Write-only, instead of return_by: return_by = purchase_date + N days, worked out at this write "
        "only (from the purchase_date being written, else the stored one; a later change of purchase_date does not "
        "move return_by unless return_days is given again). Both return_by and return_days in a body → 400.",
    )


def return_window(values: dict) -> None:
    """The import's check of a purchase object's return window (the model's rules, return_window_errors); a
    RETURNED purchase without `returned_on` is completed first, as the API's write does (today, UTC)."""
    if values.get("status") == PurchaseStatus.RETURNED and values.get("returned_on") is None:
        values["returned_on"] = clock.today()
    errors = return_window_errors(
        status=values.get("status"),
        purchase_date=values.get("purchase_date"),
        return_by=values.get("return_by"),
        returned_on=values.get("returned_on"),
    )
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


# Key of the purchase object → its field's factory, for the keys an import writes except "warranty".
def exchange_rate() -> ExchangeRateField:
    return ExchangeRateField(
        required=False,
        allow_null=True,
        help_text="Home-currency units per 1 unit of `currency_code` on `purchase_date` (at most 10 significant "
        "digits). Written: a value is a MANUAL rate, kept across later edits until the currency changes or null is "
        "sent (then the ECB reference rate applies); absent, the rate is the ECB's. Read: null when no rate is known "
        "(the purchase is left out of converted totals and counted in `unconverted_count`).",
    )


PURCHASE_FIELDS: dict[str, Callable[[], fields.Field]] = {
    "product_name": product_name,
    "price": price,
    "currency_code": currency_code,
    "status": status,
    "purchase_date": purchase_date,
    "notes": notes,
    "return_by": return_by,
    "returned_on": returned_on,
    "exchange_rate": exchange_rate,
}
