"""The caller's notification channels (API.md § Version 2 → Notification channels and webhooks). Reads via
selectors, writes via reminders.channels, the test button via reminders.delivery."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from reminders import channels, delivery, selectors
from reminders.models import Channel
from spends.api.pagination import SkipLimitPagination
from spends.api.serializers import ErrorSerializer
from spends.api.viewsets import UUIDLookupMixin

from .serializers import (
    ChannelCreatedSerializer,
    ChannelCreateSerializer,
    ChannelSerializer,
    ChannelTestFailedSerializer,
    ChannelTestSerializer,
    ChannelUpdateSerializer,
)

CHANNEL_TAGS = ["notifications"]


@extend_schema_view(
    list=extend_schema(tags=CHANNEL_TAGS, summary="List your notification channels"),
    retrieve=extend_schema(tags=CHANNEL_TAGS, summary="Get one of your notification channels"),
    destroy=extend_schema(tags=CHANNEL_TAGS, summary="Delete one of your notification channels"),
)
class ChannelViewSet(
    UUIDLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own channels (API.md § Version 2 → Notification channels): personal, so any role (a VIEWER too)
    manages its own; another user's channel id, a household member's included, answers 404."""

    queryset = Channel.objects.none()  # model for the router and the schema; rows come from get_queryset
    serializer_class = ChannelSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = SkipLimitPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return Channel.objects.none()
        return selectors.channel_list(user=self.request.user)

    @extend_schema(
        tags=CHANNEL_TAGS,
        summary="Add a notification channel",
        description="A WEBHOOK channel's answer holds its signing `secret` (whsec_…), shown this once. Deliveries "
        "are JSON POSTs {type, timestamp, data} signed the Standard Webhooks way (webhook-id, webhook-timestamp, "
        "webhook-signature: v1,base64(HMAC-SHA256(secret, id.timestamp.body))), sent by the task runner with a 5 s "
        "timeout, redirects not followed, tried 5 times over about an hour. A bad target → 400 on `target`.",
        request=ChannelCreateSerializer,
        responses={201: ChannelCreatedSerializer, 400: ErrorSerializer},
    )
    def create(self, request):
        body = ChannelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        channel = channels.channel_create(user=request.user, **body.validated_data)
        data = {**ChannelSerializer(channel).data, "secret": channel.secret or None}  # ChannelCreatedSerializer
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=CHANNEL_TAGS,
        summary="Change one of your notification channels",
        request=ChannelUpdateSerializer,
        responses={200: ChannelSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def partial_update(self, request, pk=None):
        channel = self.get_object()
        body = ChannelUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        channel = channels.channel_update(channel=channel, **body.validated_data)
        return Response(ChannelSerializer(channel).data)

    def perform_destroy(self, instance):
        channels.channel_delete(channel=instance)

    @extend_schema(
        tags=CHANNEL_TAGS,
        summary="Send a test message over one of your channels now",
        description="Sends in the request (not queued). 200 {delivered: true}, or 502 {delivered: false, detail, "
        'code: "bad_gateway"} with the error, which also becomes the channel\'s last_error.',
        request=None,
        responses={200: ChannelTestSerializer, 404: ErrorSerializer, 502: ChannelTestFailedSerializer},
    )
    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request, pk=None):
        error = delivery.channel_test(channel=self.get_object())
        if error:
            return Response(
                {"delivered": False, "detail": error, "code": "bad_gateway"}, status=status.HTTP_502_BAD_GATEWAY
            )
        return Response({"delivered": True})
