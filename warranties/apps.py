from django.apps import AppConfig


def backup_summary() -> str:
    """What a restore would replace, for the admin's confirmation page (registered with backups)."""
    from warranties.models import Warranty

    return f"{Warranty.objects.count()} warranties"


class WarrantiesConfig(AppConfig):
    name = "warranties"
    verbose_name = "Warranties"

    def ready(self):
        from spends.backup_registry import register_summary

        register_summary(backup_summary)
