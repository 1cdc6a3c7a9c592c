"""Reads for the receipt suggestions: the shared catalog's retailers, as the parser takes them."""

from catalog.models import Retailer
from receipts.parser import Retailer as KnownRetailer


def retailer_names() -> list[KnownRetailer]:
    """Every retailer of the shared catalog (id and name): one query."""
    return [KnownRetailer(id=pk, name=name) for pk, name in Retailer.objects.values_list("pk", "name")]
