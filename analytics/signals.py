"""Cache invalidation only: bump the owner's analytics version when a purchase or warranty changes.

No domain logic lives here; writes that bypass model signals (bulk_create, queryset.update()) must call
`analytics.cache.bump_user_version` themselves.
"""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from analytics.cache import bump_catalog_version, bump_user_version
from catalog.models import Brand, Retailer
from purchases.models import Purchase
from warranties.models import Warranty


def _purchase_changed(sender, instance, **kwargs):
    bump_user_version(instance.owner_id)


def _warranty_saved(sender, instance, **kwargs):
    bump_user_version(_warranty_owner_id(instance))


def _warranty_deleted(sender, instance, origin=None, **kwargs):
    # A warranty deleted by cascade went with its purchase (its only relation), whose own post_delete bumps
    # the owner; looking the owner up here would cost a query per warranty (e.g. deleting a user).
    started_here = isinstance(origin, Warranty) or (isinstance(origin, QuerySet) and origin.model is Warranty)
    if started_here:
        bump_user_version(_warranty_owner_id(instance))


def _warranty_owner_id(warranty: Warranty):
    purchase = warranty._state.fields_cache.get("purchase")
    if purchase is not None:
        return purchase.owner_id
    return Purchase.objects.filter(pk=warranty.purchase_id).values_list("owner_id", flat=True).first()


def _catalog_changed(sender, instance, **kwargs):
    bump_catalog_version()


def connect() -> None:
    """Connect the receivers (from AnalyticsConfig.ready). dispatch_uid keeps a second call harmless."""
    post_save.connect(_purchase_changed, sender=Purchase, dispatch_uid="analytics.purchase_saved")
    post_delete.connect(_purchase_changed, sender=Purchase, dispatch_uid="analytics.purchase_deleted")
    post_save.connect(_warranty_saved, sender=Warranty, dispatch_uid="analytics.warranty_saved")
    post_delete.connect(_warranty_deleted, sender=Warranty, dispatch_uid="analytics.warranty_deleted")
    for model in (Retailer, Brand):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"analytics.{model.__name__}_saved")
        post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"analytics.{model.__name__}_deleted")
