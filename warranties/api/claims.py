"""Claims on the caller's household's warranties (API.md § Version 2 → Several warranties per purchase, claims,
return windows): `GET/POST /api/warranties/{id}/claims`, `GET/PATCH/DELETE /api/claims/{id}`. Reads via selectors,
writes via warranties.claims_services (which move the warranty's end)."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from spends.api.viewsets import ScopedModelViewSet
from warranties import claims_services, selectors
from warranties.models import Claim

TAGS = ["claims"]
WARRANTY_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The warranty's id (of the caller's household)."
)


class ClaimSerializer(serializers.ModelSerializer):
    """A claim filed on a warranty. `closed_on` is required unless the claim is OPEN and is never before `opened_on`
    (a PATCH is checked against the stored claim). `previous_warranty_end` is read-only."""

    # Shape and field checks only here; the closed_on rules are the model's (Claim.clean), run by the services.

    warranty_id = serializers.UUIDField(read_only=True)
    issue = serializers.CharField(max_length=2_000, help_text="What went wrong (1..2000 characters).")
    resolution = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    closed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Required unless status is OPEN; ≥ opened_on."
    )
    extends_warranty_to = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the claim is APPROVED or RESOLVED and this is later than the warranty's end, the warranty's "
        "end moves here.",
    )
    previous_warranty_end = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The warranty's end before this claim extended it; null while the claim extends nothing. Deleting "
        "the claim (or changing it so it no longer extends) restores it, if the warranty still ends where the claim "
        "put it.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "warranty_id",
            "opened_on",
            "closed_on",
            "status",
            "issue",
            "resolution",
            "extends_warranty_to",
            "previous_warranty_end",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(
        summary="List a warranty's claims, newest opened first", tags=TAGS, parameters=[WARRANTY_ID], filters=False
    ),
    create=extend_schema(
        summary="File a claim on a warranty",
        description="An APPROVED or RESOLVED claim with `extends_warranty_to` later than the warranty's end moves the "
        "end (the old one is kept in `previous_warranty_end`).",
        tags=TAGS,
        parameters=[WARRANTY_ID],
        responses={201: ClaimSerializer},
    ),
    retrieve=extend_schema(summary="Get a claim", tags=TAGS),
    partial_update=extend_schema(
        summary="Update a claim",
        description="A change of `status` or `extends_warranty_to` re-applies the rule: the extension the claim "
        "made is withdrawn (the old end restored while the warranty still ends where the claim put it) and the new "
        "one applied.",
        tags=TAGS,
    ),
    destroy=extend_schema(
        summary="Delete a claim",
        description="Restores the warranty's end this claim replaced, if the warranty still ends where the claim "
        "put it.",
        tags=TAGS,
    ),
)
class ClaimViewSet(ScopedModelViewSet):
    """Claims of the household's warranties: every member reads them; OWNER and EDITOR write (a VIEWER's write answers
    403); another household's warranty or claim answers 404. No PUT: the contract has none."""

    queryset = Claim.objects.none()
    serializer_class = ClaimSerializer
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, household_id):
        return selectors.claim_list(household_id=household_id)

    def _warranty(self):
        """The warranty of /api/warranties/{id}/claims; another household's (or none) is a 404, before the body is
        read."""
        warranty = selectors.claim_warranty_get(household_id=self.scope.household_id, warranty_id=self.kwargs["id"])
        if warranty is None:
            raise Http404
        return warranty

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().filter(warranty=self._warranty()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        warranty = self._warranty()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = claims_services.claim_create(warranty=warranty, created_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(claim).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = claims_services.claim_update(claim=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        claims_services.claim_delete(claim=instance)
