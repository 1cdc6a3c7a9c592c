"""Enumerations of the purchases app: purchase status."""

from django.db import models


class PurchaseStatus(models.TextChoices):
    ORDERED = "ORDERED", "Ordered"
    RECEIVED = "RECEIVED", "Received"
    RETURNED = "RETURNED", "Returned"  # version 2: counted in by_status, in no money total (analytics)


class RateSource(models.TextChoices):
    """API.md § Currencies: where a purchase's exchange rate came from (null: same currency as home, or none known)."""

    ECB = "ECB", "ECB reference rate"
    MANUAL = "MANUAL", "Set by hand"
