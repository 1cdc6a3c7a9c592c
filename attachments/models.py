"""Attachments: the files of a purchase (receipts, warranty documents, manuals, photos)."""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from attachments.choices import AttachmentKind

FILENAME_MAX_LENGTH = 255
UPLOADS_DIR = "uploads"


def upload_name(sha256: str) -> str:
    """The storage name of the content with this SHA-256: hash-sharded, `uploads/ab/cd/abcd…`."""
    return f"{UPLOADS_DIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Attachment(models.Model):
    """A file attached to a purchase. The bytes live once per content in the default storage, at
    `upload_name(sha256)`, shared by every attachment with the same content (attachments.services)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the (purchase, created_at) index below. Its household is its purchase's: not stored here, so an
    # attachment can never be in another household than its purchase (scoping goes through purchase__household).
    purchase = models.ForeignKey(
        "purchases.Purchase", on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    filename = models.CharField(max_length=FILENAME_MAX_LENGTH)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    available = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "purchases_attachment"  # the model moved from purchases (#19); its table and data stayed
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AttachmentKind.values), name="purchases_attachment_kind_valid"
            ),
        ]
        indexes = [
            # attachment_list: a purchase's attachments, newest first; attachment_count's correlated subquery.
            models.Index(fields=["purchase", "-created_at"], name="attach_purchase_created_idx"),
        ]

    def __str__(self):
        return self.filename

    @property
    def storage_name(self) -> str:
        return upload_name(self.sha256)


@receiver(post_delete, sender=Attachment, dispatch_uid="attachments.attachment_file_release")
def _attachment_deleted(sender, instance, using, **kwargs):
    # Whatever deleted the row (attachment_delete, a purchase or user cascade, the admin), its file goes after
    # commit if nothing references it any more. The check and the removal live in attachments.services.
    from attachments.services import attachment_file_release

    transaction.on_commit(lambda: attachment_file_release(sha256=instance.sha256), using=using, robust=True)
