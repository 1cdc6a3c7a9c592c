"""The caller's API tokens: list, create and revoke (API.md § Browser sessions). POST /api/auth/token issues one for a
username and password; POST /api/auth/tokens issues one for the signed-in caller (the web app's Settings screen)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from spends import tokens
from spends.api.pagination import SkipLimitPagination
from spends.api.serializers import ApiTokenSerializer, ErrorSerializer, TrimmedCharField
from spends.api.viewsets import UUIDLookupMixin
from spends.models import ApiToken


class ApiTokenCreateSerializer(serializers.Serializer):
    name = TrimmedCharField(
        max_length=100, required=False, allow_blank=True, help_text="A name to tell this token apart (optional)."
    )


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The new key: send it as `Authorization: Token <token>`. Shown in this answer only."
    )


@extend_schema_view(
    list=extend_schema(
        tags=["auth"],
        summary="List your API tokens",
        description="The caller's tokens, newest first, paginated like every list ({total, skip, limit, items}). "
        "Each is {id, name, created_at, last_used_at}; the key itself is never shown again after it was issued.",
    ),
    create=extend_schema(
        tags=["auth"],
        summary="Create an API token for yourself",
        description="Issues a new token for the signed-in caller (session or token), optionally named. The answer "
        "holds the key (`token`) this once; only a hash of it is stored. Any role may create its own tokens: a "
        "token acts with its user's role.",
        request=ApiTokenCreateSerializer,
        responses={
            201: ApiTokenIssuedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Name too long (validation_error)."),
            401: OpenApiResponse(ErrorSerializer, description="Not authenticated (not_authenticated)."),
        },
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
class ApiTokenViewSet(
    UUIDLookupMixin, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    queryset = ApiToken.objects.none()  # model for the router and the schema; rows come from get_queryset
    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = SkipLimitPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return ApiToken.objects.none()
        return tokens.token_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        body = ApiTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = tokens.token_issue(user=request.user, name=body.validated_data.get("name", ""))
        token.token = key
        return Response(ApiTokenIssuedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        tokens.token_revoke(user=self.request.user, token_id=instance.pk)
