"""Enumerations of the attachments app: attachment kind."""

from django.db import models


class AttachmentKind(models.TextChoices):
    RECEIPT = "RECEIPT", "Receipt"
    WARRANTY = "WARRANTY", "Warranty document"
    MANUAL = "MANUAL", "Manual"
    PHOTO = "PHOTO", "Photo"
    OTHER = "OTHER", "Other"
