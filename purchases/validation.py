"""The rules of a purchase's own fields, without DRF (the API's PurchaseSerializer has the same ones): used by code
below the API that reads purchase objects, the import. The keys are the representation's written keys; the nested
warranty's rules are the warranties app's (composed by the caller, as the API composes the serializers)."""

from decimal import Decimal

from django.conf import settings

from purchases.choices import PurchaseStatus
from purchases.models import NOTES_MAX_LENGTH, PRODUCT_NAME_MAX_LENGTH
from spends import parsing


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


# Key of the purchase object → its parser (spends.parsing), for the keys an import writes except "warranty".
PURCHASE_FIELDS: dict[str, parsing.Field] = {
    "product_name": parsing.Text(min_length=1, max_length=PRODUCT_NAME_MAX_LENGTH),
    "price": parsing.Money(min_value=Decimal("0")),
    "currency_code": parsing.CurrencyCode(default=default_currency),
    "status": parsing.Choice(PurchaseStatus.choices, default=PurchaseStatus.ORDERED),
    "purchase_date": parsing.Date(),
    "notes": parsing.Text(max_length=NOTES_MAX_LENGTH, allow_blank=True, default=""),
}
