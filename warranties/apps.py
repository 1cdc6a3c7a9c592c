from django.apps import AppConfig


def backup_summary() -> str:
    """What a restore would replace, for the admin's confirmation page (registered with backups)."""
    from warranties.models import Warranty

    return f"{Warranty.objects.count()} warranties"


class WarrantiesConfig(AppConfig):
    name = "warranties"
    verbose_name = "Warranties"

    def ready(self):
        from purchases.selectors import register_row_annotations
        from spends.backup_registry import register_summary
        from warranties.selectors import purchase_row_annotations, purchase_row_prefetch

        register_summary(backup_summary)
        # Every purchase_list row carries its chosen warranty with its effective status (the purchase's representation,
        # exports and the analytics lists read it) and its prefetched coverages; purchases sits below warranties, so
        # warranties adds them.
        register_row_annotations(purchase_row_annotations, select_related=("warranty",), prefetch=purchase_row_prefetch)
