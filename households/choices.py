from django.db import models


class Role(models.TextChoices):
    """API.md § Households: OWNER does everything (members, invites); EDITOR reads and writes records; VIEWER reads,
    exports and downloads, and every write answers 403."""

    OWNER = "OWNER", "Owner"
    EDITOR = "EDITOR", "Editor"
    VIEWER = "VIEWER", "Viewer"


WRITE_ROLES = frozenset({Role.OWNER, Role.EDITOR})
