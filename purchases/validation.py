"""The rules of a purchase's own fields, once: DRF field factories (no serializer), which the API's
PurchaseSerializer declares its fields from and the import runs on its rows (`field.run_validation`). The keys are
the representation's written keys; the nested warranty's rules are the warranties app's (composed by the caller, as
the API composes the serializers)."""

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from rest_framework import fields

from purchases.choices import PurchaseStatus
from purchases.models import NOTES_MAX_LENGTH, PRODUCT_NAME_MAX_LENGTH
from spends.fields import CurrencyCodeField, MoneyField


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


# Key of the purchase object → its field's factory, for the keys an import writes except "warranty".
PURCHASE_FIELDS: dict[str, Callable[[], fields.Field]] = {
    "product_name": product_name,
    "price": price,
    "currency_code": currency_code,
    "status": status,
    "purchase_date": purchase_date,
    "notes": notes,
}
