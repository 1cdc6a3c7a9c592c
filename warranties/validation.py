"""The rules of a warranty's fields, without DRF (the API's WarrantyFieldsSerializer has the same ones): used by code
below the API that reads a purchase object's nested warranty, the import."""

from spends import parsing
from warranties.choices import WarrantyStatus, WarrantyType

# Key of the nested warranty object → its parser, in the object's order.
WARRANTY_FIELDS: dict[str, parsing.Field] = {
    "warranty_start": parsing.Date(),
    "warranty_end": parsing.Date(allow_null=True, default=None),
    "warranty_type": parsing.Choice(WarrantyType.choices, default=WarrantyType.LIMITED),
    "status": parsing.Choice(WarrantyStatus.choices, default=WarrantyStatus.ACTIVE),
    "provider": parsing.Text(max_length=255, allow_blank=True, default=""),
    "notes": parsing.Text(max_length=10_000, allow_blank=True, default=""),
}


def validate_warranty(values: dict) -> None:
    """The rules across fields of a new or fully given warranty (WarrantyFieldsSerializer.validate, not partial)."""
    start, end, kind = values.get("warranty_start"), values.get("warranty_end"), values.get("warranty_type")
    if start and end and end < start:
        raise parsing.Invalid({"warranty_end": ["Must be on or after warranty_start."]})
    if "warranty_end" in values and end is None and kind != WarrantyType.LIFETIME:
        raise parsing.Invalid({"warranty_end": ["Required unless the warranty type is LIFETIME."]})


def warranty_object(**kwargs) -> parsing.Object:
    """The nested warranty object's parser (kwargs: presence and null handling)."""
    return parsing.Object(WARRANTY_FIELDS, validate_warranty, **kwargs)
