"""Reads of the shared catalog."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from purchases.models import Purchase


def catalog_list(*, model, user):
    """Retailers or brands sorted by name case-insensitively, each annotated with `purchase_count`: the
    number of `user`'s purchases that reference it (a correlated count, served by purchase_owner_retailer_idx /
    purchase_owner_brand_idx)."""
    fk = model._meta.model_name  # "retailer" or "brand"
    counts = (
        Purchase.objects.filter(owner=user, **{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = model.objects.annotate(purchase_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)).ordered()
    return qs
