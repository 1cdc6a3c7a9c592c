"""The caller's household's warranties (API.md § Warranties). Reads via selectors, writes via services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action

from spends.api.viewsets import ScopedModelViewSet
from warranties import selectors, services
from warranties.filters import WarrantyFilterSet
from warranties.models import Warranty

from .serializers import ExpiringQuerySerializer, WarrantyReadSerializer, WarrantySerializer

TAGS = ["warranties"]


@extend_schema_view(
    list=extend_schema(summary="List warranties", tags=TAGS, responses=WarrantyReadSerializer(many=True)),
    create=extend_schema(
        summary="Create a warranty for one of your purchases", tags=TAGS, responses={201: WarrantyReadSerializer}
    ),
    retrieve=extend_schema(summary="Get a warranty", tags=TAGS, responses=WarrantyReadSerializer),
    update=extend_schema(summary="Replace a warranty", tags=TAGS, responses=WarrantyReadSerializer),
    partial_update=extend_schema(
        summary="Update a warranty (e.g. void it)", tags=TAGS, responses=WarrantyReadSerializer
    ),
    destroy=extend_schema(summary="Delete a warranty", tags=TAGS),
)
class WarrantyViewSet(ScopedModelViewSet):
    """The warranties of the caller's household's purchases: every member reads them; OWNER and EDITOR write (a
    VIEWER's write answers 403); another household's id answers 404."""

    queryset = Warranty.objects.none()
    serializer_class = WarrantySerializer
    filterset_class = WarrantyFilterSet

    def scoped_queryset(self, household_id):
        return selectors.warranty_list(household_id=household_id)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        warranty = services.warranty_create(purchase=data.pop("purchase"), created_by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=warranty.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("purchase", None)
        warranty = services.warranty_update(warranty=serializer.instance, **data)
        serializer.instance = self.get_queryset().get(pk=warranty.pk)

    def perform_destroy(self, instance):
        services.warranty_delete(warranty=instance)

    @extend_schema(
        summary="ACTIVE warranties ending from today to today+days (inclusive), soonest first",
        tags=TAGS,
        parameters=[
            OpenApiParameter("days", int, description="0..3650, default 30"),
        ],
        filters=False,
        responses=WarrantyReadSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def expiring(self, request):
        query = ExpiringQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = selectors.warranty_expiring(household_id=self.scope.household_id, days=query.validated_data["days"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
