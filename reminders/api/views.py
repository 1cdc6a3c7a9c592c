"""Reminder settings and the private calendar feed (API.md § Warranty reminders). Reads via selectors, writes via
services."""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from reminders import selectors, services
from reminders.calendar import warranty_calendar
from spends.api.scope import scope_for
from spends.api.serializers import ErrorSerializer
from spends.api.throttling import ScopedClientThrottle

from .serializers import CalendarTokenSerializer, ReminderSettingsReadSerializer, ReminderSettingsSerializer

TAGS = ["reminders"]


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
