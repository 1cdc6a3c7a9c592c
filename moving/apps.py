from django.apps import AppConfig


class MovingConfig(AppConfig):
    """Moving an instance to another database (`manage.py move_instance`): row 6 of ARCHITECTURE.md, beside demo,
    because it composes backups (row 5: the archive and its portable restore) with transfer (row 4: the canonical JSON
    export each household is compared by), which backups may not import."""

    name = "moving"
    verbose_name = "Moving an instance"
