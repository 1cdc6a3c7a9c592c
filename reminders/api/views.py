"""Reminder settings and the private calendar feed (API.md § Warranty reminders). Reads via selectors, writes via
services."""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from reminders import channels, delivery, selectors, services
from reminders.calendar import warranty_calendar
from reminders.models import Channel
from spends.api.pagination import SkipLimitPagination
from spends.api.scope import scope_for
from spends.api.serializers import ErrorSerializer
from spends.api.throttling import ScopedClientThrottle
from spends.api.viewsets import UUIDLookupMixin

from .serializers import (
    CalendarTokenSerializer,
    ChannelCreatedSerializer,
    ChannelCreateSerializer,
    ChannelSerializer,
    ChannelTestFailedSerializer,
    ChannelTestSerializer,
    ChannelUpdateSerializer,
    ReminderSettingsReadSerializer,
    ReminderSettingsSerializer,
)

TAGS = ["reminders"]
CHANNEL_TAGS = ["notifications"]


class ReminderSettingsView(APIView):
    """The caller's own settings (email, lead days, digest): per member, so any role, a VIEWER too, changes its own."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Your reminder settings", responses=ReminderSettingsReadSerializer)
    def get(self, request):
        prefs = selectors.reminder_settings_get(user=request.user)
        return Response(ReminderSettingsReadSerializer(prefs).data)

    @extend_schema(
        tags=TAGS,
        summary="Replace your reminder settings",
        description="Omitted fields go back to their defaults (enabled true, the account's email, "
        "lead_days [30, 7, 1], digest true). Lead days outside 0..365, repeated, or not a list → 400.",
        request=ReminderSettingsSerializer,
        responses=ReminderSettingsReadSerializer,
    )
    def put(self, request):
        body = ReminderSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        prefs = services.reminder_settings_update(user=request.user, **body.validated_data)
        return Response(ReminderSettingsReadSerializer(prefs).data)


class CalendarTokenView(APIView):
    """The caller's own feed token: per member, so any role may renew it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="New private calendar feed URL",
        description="Generates a new feed token and returns the feed URL holding it; the previous URL answers "
        "404 from now on. The token is separate from the API token and grants nothing but the feed.",
        request=None,
        responses=CalendarTokenSerializer,
    )
    def post(self, request):
        prefs = services.calendar_token_regenerate(user=request.user)
        url = request.build_absolute_uri(reverse("reminders-calendar-feed"))
        return Response(CalendarTokenSerializer({"calendar_url": f"{url}?token={prefs.calendar_token}"}).data)


class ICalendarRenderer(BaseRenderer):
    """Lets calendar apps ask for text/calendar; the feed view hands it a finished document."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CalendarFeedView(APIView):
    """Public by design: the secret token in the URL is the credential (calendar apps send no headers)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [ICalendarRenderer]  # errors switch to JSON in handle_exception
    throttle_classes = [ScopedClientThrottle]  # per client address (never X-Forwarded-For from outside)
    throttle_scope = "calendar"

    @extend_schema(
        tags=TAGS,
        summary="Private calendar feed of your household's active warranties' end dates and open return windows "
        "(iCalendar)",
        description="One all-day event per ACTIVE warranty end (voided, expired and LIFETIME warranties are left "
        'out), and one per open return window ("Return by: <product>" on return_by, for a purchase that is not '
        "RETURNED and whose return_by is today or later), with stable UIDs. Needs no session or API token: the "
        "`token` from POST /api/reminders/calendar-token is the credential. A wrong, old or missing token → 404.",
        operation_id="reminders_calendar_feed",
        auth=[],
        parameters=[OpenApiParameter("token", str, required=True, description="The feed token.")],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="An iCalendar (RFC 5545) file."),
            (404, "application/json"): OpenApiResponse(ErrorSerializer, description="Unknown token (not_found)."),
            (429, "application/json"): OpenApiResponse(ErrorSerializer, description="Too many requests (throttled)."),
        },
    )
    def get(self, request):
        prefs = selectors.reminder_settings_by_token(token=request.query_params.get("token", ""))
        if prefs is None:
            raise NotFound("No calendar feed with this token.")
        # The feed's token is a member's; the feed lists their household's warranties (the scope of that member).
        household_id = scope_for(prefs.user).household_id
        body = warranty_calendar(
            selectors.calendar_warranties(household_id=household_id),
            selectors.calendar_returns(household_id=household_id),
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="warranties.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response

    def handle_exception(self, exc):
        # Errors are JSON in the contract's shape even when the client asked for text/calendar.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


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
