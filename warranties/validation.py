"""The rules of a warranty's fields, once: DRF field factories (no serializer) and the rules across fields, which
the API's WarrantyFieldsSerializer declares and calls, and the import runs on a purchase object's nested warranty."""

import calendar
import datetime
from collections.abc import Callable
from decimal import Decimal

from rest_framework import fields
from rest_framework.exceptions import ValidationError

from spends.fields import MoneyField, ObjectField
from warranties.choices import WarrantyStatus, WarrantyType


class WarrantyStatusField(fields.ChoiceField):
    """Written as ACTIVE or VOIDED; read as the effective status ACTIVE, EXPIRED or VOIDED (the API's schema shows
    both directions: warranties.api.serializers.WarrantyStatusFieldSchema)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default", WarrantyStatus.ACTIVE)
        kwargs.setdefault(
            "help_text", "Write ACTIVE or VOIDED (to void or un-void); read: the effective status today (UTC)."
        )
        super().__init__(choices=WarrantyStatus.choices, **kwargs)


def warranty_start() -> fields.DateField:
    return fields.DateField()


def warranty_end() -> fields.DateField:
    return fields.DateField(required=False, allow_null=True, default=None)


def warranty_type() -> fields.ChoiceField:
    return fields.ChoiceField(choices=WarrantyType.choices, default=WarrantyType.LIMITED)


def provider() -> fields.CharField:
    return fields.CharField(max_length=255, required=False, allow_blank=True, default="")


def notes() -> fields.CharField:
    return fields.CharField(max_length=10_000, required=False, allow_blank=True, default="")


def cost() -> MoneyField:
    return MoneyField(
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        default=None,
        help_text="What the coverage cost, in the purchase's currency; null when unknown.",
    )


def reference() -> fields.CharField:
    return fields.CharField(
        max_length=255, required=False, allow_blank=True, default="", help_text="Policy or contract number."
    )


MAX_DURATION_MONTHS = 1200


def duration_months() -> fields.IntegerField:
    return fields.IntegerField(
        min_value=1,
        max_value=MAX_DURATION_MONTHS,
        required=False,
        write_only=True,
        help_text="Write only, instead of warranty_end: the end is the same day N months after warranty_start "
        "(clamped to the month's last day).",
    )


def end_after_months(start: datetime.date, months: int) -> datetime.date:
    """The same day `months` months after `start`, clamped to that month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(start.day, last_day))


# Key of the nested warranty object → its field's factory, in the object's order.
WARRANTY_FIELDS: dict[str, Callable[[], fields.Field]] = {
    "warranty_start": warranty_start,
    "warranty_end": warranty_end,
    "warranty_type": warranty_type,
    "status": WarrantyStatusField,
    "provider": provider,
    "notes": notes,
}


def check_warranty(
    start: datetime.date | None, end: datetime.date | None, kind: str | None, *, end_given: bool, partial: bool = False
) -> None:
    """The rules across a warranty's fields; `end_given`: the input sets warranty_end. A partial write leaves the
    LIFETIME rule to the model's clean() (the stored type is the service's to see)."""
    if start and end and end < start:
        raise ValidationError({"warranty_end": ["Warranty end must be on or after the warranty start."]})
    if end_given and end is None and kind != WarrantyType.LIFETIME and not partial:
        raise ValidationError({"warranty_end": ["Warranty end is required unless the warranty is lifetime."]})


def validate_warranty(values: dict) -> None:
    """A new or fully given warranty's values (the import's)."""
    start, end, kind = values.get("warranty_start"), values.get("warranty_end"), values.get("warranty_type")
    check_warranty(start, end, kind, end_given="warranty_end" in values)


def warranty_object(**kwargs) -> ObjectField:
    """The nested warranty object, for a reader below the API (kwargs: presence and null handling)."""
    return ObjectField({key: factory() for key, factory in WARRANTY_FIELDS.items()}, validate_warranty, **kwargs)
