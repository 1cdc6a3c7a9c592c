"""Backup records (one per archive in the backup storage) and the backup schedule."""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from backups.choices import BackupFrequency, BackupKind, BackupStatus

FREQUENCY_DAYS = {BackupFrequency.DAILY: 1, BackupFrequency.WEEKLY: 7, BackupFrequency.MONTHLY: 30}


class Backup(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=BackupKind.choices, default=BackupKind.FULL)
    status = models.CharField(max_length=16, choices=BackupStatus.choices, default=BackupStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True, default="")
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    database_engine = models.CharField(max_length=32, blank=True, default="")
    file_count = models.IntegerField(default=0)
    # An incremental backup's uploads are only those not in its parent chain; the chain is needed to restore it.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # SHA-256 names of the uploads this archive holds (for incremental children to leave out).
    uploads = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    is_restore_point = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="backup_status_created_idx")]

    def __str__(self):
        return self.filename or f"backup {self.id}"


class RestoreJob(models.Model):
    """One restore, run by the task runner (API.md § Backups). Like Backup records it describes the backup storage,
    not the data, so it survives the restore that replaces the database (backups.restore reinstates it)."""

    class ErrorKind(models.TextChoices):
        VALIDATION = "validation"  # the archive was refused before anything changed (400)
        CONFLICT = "conflict"  # could not be done now, or failed (409)
        INTERRUPTED = "interrupted"  # its process died

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=BackupStatus.choices, default=BackupStatus.PENDING)
    # Not auto_now_add: a reinstated row keeps its value.
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    restored_from = models.CharField(max_length=255)
    # The source: a stored backup, or an uploaded archive waiting in BACKUP_DIR/.pending-restores.
    backup_id = models.UUIDField(null=True, blank=True)
    upload_name = models.CharField(max_length=255, blank=True, default="")
    allow_foreign = models.BooleanField(default=False)
    # A username, not a foreign key: the restore replaces the users.
    requested_by = models.CharField(max_length=150, blank=True, default="")
    restore_point_id = models.UUIDField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    error_kind = models.CharField(max_length=16, choices=ErrorKind.choices, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Restore from {self.restored_from} ({self.get_status_display().lower()})"


class BackupSettings(models.Model):
    """The one row of schedule settings (API.md § Backups: GET/PUT /api/backup/settings)."""

    enabled = models.BooleanField(default=False)
    frequency = models.CharField(max_length=16, choices=BackupFrequency.choices, default=BackupFrequency.DAILY)
    keep_last = models.PositiveIntegerField(default=7, validators=[MinValueValidator(1), MaxValueValidator(365)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "backup settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(keep_last__gte=1, keep_last__lte=365), name="backup_keep_last_range"
            )
        ]

    def __str__(self):
        return f"{self.get_frequency_display()} backups, keeping the last {self.keep_last}"

    @classmethod
    def load(cls) -> "BackupSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()

    def next_run_at(self, last_success_at: datetime.datetime | None, now: datetime.datetime):
        if not self.enabled:
            return None
        if last_success_at is None:
            return now
        return last_success_at + datetime.timedelta(days=FREQUENCY_DAYS[self.frequency])
