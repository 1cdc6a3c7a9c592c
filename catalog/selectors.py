"""Reads of the shared catalog."""


def catalog_list(*, model):
    """Retailers or brands (`model`), sorted by name case-insensitively. Catalog knows nothing of purchases: the
    caller's `purchase_count` is added by `purchases.selectors.catalog_with_purchase_count`."""
    return model.objects.ordered()
