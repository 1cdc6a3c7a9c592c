"""The caller's household's purchases (API.md § Purchases). Reads via selectors, writes via services."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from purchases import nested, selectors, services, signals
from purchases.filters import PurchaseFilterSet
from purchases.models import Purchase
from spends.api.viewsets import ScopedModelViewSet

from . import reads
from .serializers import PurchaseSerializer

TAGS = ["purchases"]


@extend_schema_view(
    list=extend_schema(summary="List purchases", tags=TAGS),
    create=extend_schema(
        summary="Create a purchase (optionally with its warranty or warranties, atomically)",
        tags=TAGS,
        description="`warranty` (one object) or `warranties` (a list), not both (400).",
    ),
    retrieve=extend_schema(summary="Get a purchase with its warranties", tags=TAGS),
    update=extend_schema(
        summary="Replace a purchase",
        tags=TAGS,
        description="Omitted optional fields go back to their defaults, "
        "except `warranty`: absent leaves it, an object creates or updates it, null deletes it (409 `conflict` "
        "when the purchase has several warranties: write `warranties`), and `warranties`: absent leaves them, a "
        "list replaces them as a set (items with an id updated, the others created, those left out deleted).",
    ),
    partial_update=extend_schema(summary="Update a purchase", tags=TAGS),
    destroy=extend_schema(summary="Delete a purchase with its warranties and attachments", tags=TAGS),
)
class PurchaseViewSet(ScopedModelViewSet):
    """The caller's household's purchases: every member reads them; OWNER and EDITOR write (a VIEWER's write answers
    403); another household's id answers 404."""

    queryset = Purchase.objects.none()  # model for router/OpenAPI only; rows come from the selector
    serializer_class = PurchaseSerializer
    filterset_class = PurchaseFilterSet
    reader = reads  # GETs as plain rows through purchases.representation (issue #24)

    def scoped_queryset(self, household_id):
        return selectors.purchase_list(household_id=household_id)

    def perform_create(self, serializer):
        purchase = nested.purchase_create(
            household_id=self.scope.household_id,
            created_by=self.request.user,
            home_currency=self.scope.home_currency or None,
            **serializer.validated_data,
        )
        # Rendered from what was written, like a GET would render it (no read after the write): nested.written_row.
        serializer.instance = nested.written_row(purchase, purchase.written_coverages, attachment_count=0)
        self._written(signals.CREATED, serializer)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        warranty = data.pop("warranty", nested.UNSET)
        warranties = data.pop("warranties", nested.UNSET)
        fetched = list(serializer.instance.warranties.all())  # the fetch's coverages (selectors.purchase_list)
        purchase = nested.purchase_update(
            purchase=serializer.instance,
            warranty=warranty,
            warranties=warranties,
            created_by=self.request.user,
            home_currency=self.scope.home_currency or None,
            **data,
        )
        coverages = fetched if purchase.written_coverages is None else purchase.written_coverages
        serializer.instance = nested.written_row(purchase, coverages, attachment_count=purchase.attachment_count)
        # Rendered here (serializer.data is kept): DRF's update() empties the prefetched coverages after this returns.
        self._written(signals.UPDATED, serializer)

    def perform_destroy(self, instance):
        data = self.get_serializer(instance).data  # the object as it was, for the purchase.deleted event
        services.purchase_delete(purchase=instance)
        signals.purchase_written_on_commit(event=signals.DELETED, household_id=instance.household_id, data=data)

    def _written(self, event, serializer):
        # serializer.data is the response's body (DRF keeps it), so the event costs no second rendering.
        signals.purchase_written_on_commit(
            event=event, household_id=serializer.instance.household_id, data=serializer.data
        )
