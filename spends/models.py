"""Project-level models: the API tokens (API.md § Browser sessions: only a hash of each token is stored)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """One named API token of a user. The key itself is shown once, when it is issued; only its SHA-256 is kept.

    A key is 256 random bits, so a fast hash is enough: nobody can guess a key from its digest, and looking a key up
    by its digest takes one index probe (no per-request password hashing).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the key (hex).")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]
        # The caller's token list (spends.tokens.token_list), newest first.
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_token_list")]

    def __str__(self):
        return f"{self.name or 'API token'} ({self.user})"


class DataVersion(models.Model):
    """The data version of one scope (a household's data, the shared catalog, the installation): a number that changes
    in the same transaction as every write to that scope's data. Cached answers are keyed by it (spends.data_versions).
    """

    scope = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return f"{self.scope}: {self.version}"
