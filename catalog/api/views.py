"""Retailers and brands: the shared catalog (API.md § Retailers and brands)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from catalog import services
from catalog.filters import CatalogFilterSet
from catalog.models import Brand, Retailer
from purchases.selectors import catalog_with_purchase_count
from spends.api.pagination import SkipLimitPagination
from spends.api.permissions import IsStaffOrReadCreate
from spends.api.viewsets import HouseholdWritePermission, ScopedViewMixin, UUIDLookupMixin

from .serializers import BrandSerializer, RetailerSerializer


class CatalogViewSet(ScopedViewMixin, UUIDLookupMixin, viewsets.ModelViewSet):
    """Shared by every user: list/read/create for anyone signed in, update/delete for staff only; a VIEWER of their
    household writes nothing, here too (API.md: every write of a viewer answers 403). `purchase_count` counts the
    caller's household's purchases."""

    permission_classes = [IsStaffOrReadCreate, HouseholdWritePermission]
    pagination_class = SkipLimitPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CatalogFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset.none()
        # The catalog API composes above purchases (as purchases.api does above warranties): the count is a read of
        # the caller's household's purchases, so purchases owns it and catalog's own modules import nothing above them.
        return catalog_with_purchase_count(model=self.queryset.model, household_id=self.scope.household_id)

    def perform_create(self, serializer):
        entry = services.catalog_entry_save(instance=self.queryset.model(), **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=entry.pk)

    def perform_update(self, serializer):
        entry = services.catalog_entry_save(instance=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=entry.pk)

    def perform_destroy(self, instance):
        services.catalog_entry_delete(instance=instance)


def _catalog_schema(noun):
    return extend_schema_view(
        list=extend_schema(summary=f"List {noun}s (sorted by name)", tags=["catalog"]),
        create=extend_schema(summary=f"Create a {noun}", tags=["catalog"]),
        retrieve=extend_schema(summary=f"Get a {noun}", tags=["catalog"]),
        update=extend_schema(summary=f"Replace a {noun} (staff)", tags=["catalog"]),
        partial_update=extend_schema(summary=f"Update a {noun} (staff)", tags=["catalog"]),
        destroy=extend_schema(
            summary=f"Delete a {noun} (staff); 409 while any purchase references it", tags=["catalog"]
        ),
    )


@_catalog_schema("retailer")
class RetailerViewSet(CatalogViewSet):
    queryset = Retailer.objects.all()
    serializer_class = RetailerSerializer


@_catalog_schema("brand")
class BrandViewSet(CatalogViewSet):
    queryset = Brand.objects.all()
    serializer_class = BrandSerializer
