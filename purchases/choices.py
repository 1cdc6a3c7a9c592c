"""Enumerations of the purchases app: purchase status."""

from django.db import models


class PurchaseStatus(models.TextChoices):
    ORDERED = "ORDERED", "Ordered"
    RECEIVED = "RECEIVED", "Received"
