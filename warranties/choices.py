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
