"""The caller's API tokens: list and revoke (API.md § Browser sessions). Issuing is POST /api/auth/token."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from spends import tokens
from spends.api.pagination import SkipLimitPagination
from spends.api.serializers import ApiTokenSerializer, ErrorSerializer
from spends.api.viewsets import UUIDLookupMixin
from spends.models import ApiToken


@extend_schema_view(
    list=extend_schema(
        tags=["auth"],
        summary="List your API tokens",
        description="The caller's tokens, newest first, paginated like every list ({total, skip, limit, items}). "
        "Each is {id, name, created_at, last_used_at}; the key itself is never shown again after it was issued.",
    ),
    destroy=extend_schema(
        tags=["auth"],
        summary="Revoke one of your API tokens",
        description="The token stops working at once. Another user's token id answers 404.",
        responses={
            204: OpenApiResponse(description="Revoked."),
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated (not_authenticated)."),
            404: OpenApiResponse(ErrorSerializer, description="No such token of yours (not_found)."),
        },
    ),
)
class ApiTokenViewSet(UUIDLookupMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = ApiToken.objects.none()  # model for the router and the schema; rows come from get_queryset
    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = SkipLimitPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return ApiToken.objects.none()
        return tokens.token_list(user=self.request.user)

    def perform_destroy(self, instance):
        tokens.token_revoke(user=self.request.user, token_id=instance.pk)
