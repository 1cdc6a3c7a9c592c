"""Enumerations of the purchases app: purchase status and attachment kind."""

from django.db import models


class PurchaseStatus(models.TextChoices):
    ORDERED = "ORDERED", "Ordered"
    RECEIVED = "RECEIVED", "Received"


class AttachmentKind(models.TextChoices):
    RECEIPT = "RECEIPT", "Receipt"
    WARRANTY = "WARRANTY", "Warranty document"
    MANUAL = "MANUAL", "Manual"
    PHOTO = "PHOTO", "Photo"
    OTHER = "OTHER", "Other"
