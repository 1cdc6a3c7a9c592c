"""The caller's analytics (API.md § Analytics). Thin: validate the query, read a selector (cached), serialize."""

from collections.abc import Callable

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from analytics import selectors
from analytics.cache import cached_answer
from purchases.api.serializers import PurchaseSerializer
from spends import clock
from spends.api.serializers import ErrorSerializer
from warranties.api.serializers import WarrantyReadSerializer

from .serializers import (
    BrandShareSerializer,
    CurrencyQuerySerializer,
    DashboardSerializer,
    LimitQuerySerializer,
    MonthsQuerySerializer,
    RetailerShareSerializer,
    SpendingByPeriodQuerySerializer,
    SpendingByPeriodSerializer,
    SpendingMonthSerializer,
    SpendingQuerySerializer,
    SpendingSummarySerializer,
    TopProductSerializer,
    TopProductsQuerySerializer,
    WarrantySummarySerializer,
    WarrantyTimelineMonthSerializer,
)

TAGS = ["analytics"]
ERROR_400 = OpenApiResponse(ErrorSerializer, description="A query parameter is invalid or out of range.")
ERROR_401 = OpenApiResponse(ErrorSerializer, description="Not signed in.")


def _schema(summary: str, query: type[serializers.Serializer] | None, response, description: str = ""):
    responses = {200: response, 401: ERROR_401}
    if query is not None:
        responses[400] = ERROR_400
    return extend_schema(
        summary=summary,
        description=(description + " " if description else "") + "API.md § Analytics; the caller's data only.",
        tags=TAGS,
        parameters=[query] if query is not None else [],
        responses=responses,
    )


class AnalyticsViewSet(viewsets.ViewSet):
    """One GET action per analytics endpoint. Answers are cached per user and invalidated on any write."""

    permission_classes = [IsAuthenticated]

    def _answer(self, request, name: str, query_class, build: Callable[..., object]) -> Response:
        today = clock.today()
        params = {}
        if query_class is not None:
            query = query_class(data=request.query_params, context={"today": today})
            query.is_valid(raise_exception=True)
            params = dict(query.validated_data)
        compute = lambda: build(request.user, today, **params)  # noqa: E731
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(renderer, JSONRenderer):
            # JSON clients (nearly all) get the rendered bytes from the cache: encoding a large answer (the
            # dashboard's) was about 1 ms of a warm request (#10). The same renderer makes the same bytes; the
            # accepted media type (e.g. "; indent=2") is part of the key.
            media_type = request.accepted_media_type
            body = cached_answer(
                request.user.pk,
                name,
                {**params, "rendered_as": media_type},
                lambda: renderer.render(compute(), media_type, {"request": request, "view": self}),
                today=today,
            )
            return HttpResponse(body, content_type=renderer.media_type)
        return Response(cached_answer(request.user.pk, name, params, compute, today=today))

    @_schema(
        "Spending per month",
        SpendingQuerySerializer,
        SpendingMonthSerializer(many=True),
        "The last `months` calendar months (UTC) in one currency, oldest first, current month last, zero-filled.",
    )
    @action(detail=False, methods=["get"], url_path="spending")
    def spending(self, request):
        def build(owner, today, *, months, currency):
            rows = selectors.spending_by_month(owner=owner, currency=currency, months=months, today=today)
            return SpendingMonthSerializer(rows, many=True).data

        return self._answer(request, "spending", SpendingQuerySerializer, build)

    @_schema(
        "Spending per day, ISO week or month over a date range",
        SpendingByPeriodQuerySerializer,
        SpendingByPeriodSerializer,
        "`start` ≤ `end`, at most 3660 days apart. Every period touching the range is listed (zero-filled); "
        "only purchases inside the range count.",
    )
    @action(detail=False, methods=["get"], url_path="spending/by-period")
    def spending_by_period(self, request):
        def build(owner, today, *, start, end, group_by, currency):
            result = selectors.spending_by_period(
                owner=owner, currency=currency, start=start, end=end, group_by=group_by
            )
            return SpendingByPeriodSerializer(result).data

        return self._answer(request, "spending-by-period", SpendingByPeriodQuerySerializer, build)

    @_schema("Spending summary in one currency", CurrencyQuerySerializer, SpendingSummarySerializer)
    @action(detail=False, methods=["get"], url_path="summary")
    def summary(self, request):
        def build(owner, today, *, currency):
            return SpendingSummarySerializer(
                selectors.spending_summary(owner=owner, currency=currency, today=today)
            ).data

        return self._answer(request, "summary", CurrencyQuerySerializer, build)

    @_schema(
        "Warranties in force, expired and expiring per month",
        MonthsQuerySerializer,
        WarrantyTimelineMonthSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="warranties/timeline")
    def warranty_timeline(self, request):
        def build(owner, today, *, months):
            rows = selectors.warranty_timeline(owner=owner, months=months, today=today)
            return WarrantyTimelineMonthSerializer(rows, many=True).data

        return self._answer(request, "warranty-timeline", MonthsQuerySerializer, build)

    @_schema("Warranty counts by effective status", None, WarrantySummarySerializer)
    @action(detail=False, methods=["get"], url_path="warranties/summary")
    def warranty_summary(self, request):
        def build(owner, today):
            return WarrantySummarySerializer(selectors.warranty_summary(owner=owner, today=today)).data

        return self._answer(request, "warranty-summary", None, build)

    @_schema("Purchases per retailer", CurrencyQuerySerializer, RetailerShareSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="retailers")
    def retailers(self, request):
        def build(owner, today, *, currency):
            rows = selectors.retailer_distribution(owner=owner, currency=currency)
            return RetailerShareSerializer(rows, many=True).data

        return self._answer(request, "retailers", CurrencyQuerySerializer, build)

    @_schema("Purchases per brand", CurrencyQuerySerializer, BrandShareSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="brands")
    def brands(self, request):
        def build(owner, today, *, currency):
            rows = selectors.brand_distribution(owner=owner, currency=currency)
            return BrandShareSerializer(rows, many=True).data

        return self._answer(request, "brands", CurrencyQuerySerializer, build)

    @_schema("Most purchased products", TopProductsQuerySerializer, TopProductSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="top-products")
    def top_products(self, request):
        def build(owner, today, *, limit, currency):
            rows = selectors.top_products(owner=owner, currency=currency, limit=limit)
            return TopProductSerializer(rows, many=True).data

        return self._answer(request, "top-products", TopProductsQuerySerializer, build)

    @_schema("Newest purchases", LimitQuerySerializer, PurchaseSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="recent-purchases")
    def recent_purchases(self, request):
        def build(owner, today, *, limit):
            rows = selectors.recent_purchases(owner=owner, limit=limit, today=today)
            return PurchaseSerializer(rows, many=True, context={"request": request}).data

        return self._answer(request, "recent-purchases", LimitQuerySerializer, build)

    @_schema("Newest warranties", LimitQuerySerializer, WarrantyReadSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="recent-warranties")
    def recent_warranties(self, request):
        def build(owner, today, *, limit):
            rows = selectors.recent_warranties(owner=owner, limit=limit, today=today)
            return WarrantyReadSerializer(rows, many=True, context={"request": request}).data

        return self._answer(request, "recent-warranties", LimitQuerySerializer, build)

    @_schema(
        "Everything the dashboard shows, in one request",
        CurrencyQuerySerializer,
        DashboardSerializer,
        "Every analytics answer at its default parameters; `currency` applies to the money parts.",
    )
    @action(detail=False, methods=["get"], url_path="dashboard")
    def dashboard(self, request):
        def build(owner, today, *, currency):
            result = selectors.dashboard(owner=owner, currency=currency, today=today)
            return DashboardSerializer(result, context={"request": request}).data

        return self._answer(request, "dashboard", CurrencyQuerySerializer, build)
