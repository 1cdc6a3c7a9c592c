from django.db import models


class WarrantyType(models.TextChoices):
    LIMITED = "LIMITED", "Limited"
    EXTENDED = "EXTENDED", "Extended"
    LIFETIME = "LIFETIME", "Lifetime"
    OTHER = "OTHER", "Other"


class WarrantyStatus(models.TextChoices):
    """What is stored: a warranty is either in force or voided by its owner."""

    ACTIVE = "ACTIVE", "Active"
    VOIDED = "VOIDED", "Voided"


class EffectiveStatus(models.TextChoices):
    """What clients see: the stored status combined with today's date."""

    ACTIVE = "ACTIVE", "Active"
    EXPIRED = "EXPIRED", "Expired"
    VOIDED = "VOIDED", "Voided"


class ClaimStatus(models.TextChoices):
    """A claim on a warranty: OPEN until it is decided; every other status needs `closed_on`."""

    OPEN = "OPEN", "Open"
    APPROVED = "APPROVED", "Approved"
    REJECTED = "REJECTED", "Rejected"
    RESOLVED = "RESOLVED", "Resolved"
