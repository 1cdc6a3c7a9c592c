"""The caller's analytics (API.md § Analytics). Thin: validate the query, read a selector (cached), serialize."""

from collections.abc import Callable

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from analytics import dashboard, selectors
from analytics.cache import cached_answer
from purchases.api.serializers import PurchaseSerializer
from spends import clock
from spends.api.scope import request_scope
from spends.api.serializers import ErrorSerializer
from spends.api.viewsets import HouseholdWritePermission, ScopedViewMixin
from warranties.api.serializers import WarrantyReadSerializer

from .serializers import (
    BrandShareSerializer,
    CurrencyQuerySerializer,
    DashboardQuerySerializer,
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
        description=(description + " " if description else "")
        + "API.md § Analytics; the caller's household's data only.",
        tags=TAGS,
        parameters=[query] if query is not None else [],
        responses=responses,
    )


def _endpoint(
    name: str, selector, query, output, *, summary: str, description="", many=False, dated=True, homed=False, path=""
):
    """The GET action `name` at /api/analytics/<`path`, default: name with dashes>, cached under the name with dashes:
    validate the `query` serializer, call `selector(household_id=…, **query values)` (and `today=` when `dated`,
    `home_currency=` the caller's when `homed`), serialize with `output`."""
    cache_name = name.replace("_", "-")

    def read(request, today, **params):
        scope = request_scope(request)
        rows = selector(
            household_id=scope.household_id,
            **params,
            **({"today": today} if dated else {}),
            **({"home_currency": scope.home_currency} if homed else {}),
        )
        return output(rows, many=many, context={"request": request}).data

    def view(self, request):
        return self._answer(request, cache_name, query, read)

    view.__name__ = name  # DRF's router finds the action, and names its URL, by the function's name
    view = action(detail=False, methods=["get"], url_path=path or cache_name)(view)
    return _schema(summary, query, output(many=True) if many else output, description)(view)


class AnalyticsViewSet(ScopedViewMixin, viewsets.ViewSet):
    """One GET action per analytics endpoint. Answers are cached per household and invalidated on any write."""

    permission_classes = [IsAuthenticated, HouseholdWritePermission]

    def _answer(self, request, name: str, query_class, read: Callable[..., object]) -> Response:
        today = clock.today()
        params = {}
        if query_class is not None:
            query = query_class(data=request.query_params, context={"today": today})
            query.is_valid(raise_exception=True)
            params = dict(query.validated_data)
        compute = lambda: read(request, today, **params)  # noqa: E731
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(renderer, JSONRenderer):
            # JSON clients (nearly all) get the rendered bytes from the cache: encoding a large answer (the
            # dashboard's) was about 1 ms of a warm request (#10). The same renderer makes the same bytes; the
            # accepted media type (e.g. "; indent=2") is part of the key.
            media_type = request.accepted_media_type
            body = cached_answer(
                self.scope.household_id,
                name,
                {**params, "rendered_as": media_type},
                lambda: renderer.render(compute(), media_type, {"request": request, "view": self}),
                today=today,
            )
            return HttpResponse(body, content_type=renderer.media_type)
        return Response(cached_answer(self.scope.household_id, name, params, compute, today=today))

    spending = _endpoint(
        "spending",
        selectors.spending_by_month,
        SpendingQuerySerializer,
        SpendingMonthSerializer,
        many=True,
        summary="Spending per month",
        description="The last `months` calendar months (UTC) in one currency, oldest first, current month last, "
        "zero-filled.",
    )
    spending_by_period = _endpoint(
        "spending_by_period",
        selectors.spending_by_period,
        SpendingByPeriodQuerySerializer,
        SpendingByPeriodSerializer,
        dated=False,
        homed=True,
        summary="Spending per day, ISO week or month over a date range",
        description="`start` ≤ `end`, at most 3660 days apart. Every period touching the range is listed "
        "(zero-filled); only purchases inside the range count.",
        path="spending/by-period",
    )
    summary = _endpoint(
        "summary",
        selectors.spending_summary,
        CurrencyQuerySerializer,
        SpendingSummarySerializer,
        homed=True,
        summary="Spending summary in one currency, or converted to your home currency (HOME)",
    )
    warranty_timeline = _endpoint(
        "warranty_timeline",
        selectors.warranty_timeline,
        MonthsQuerySerializer,
        WarrantyTimelineMonthSerializer,
        many=True,
        summary="Warranties in force, expired and expiring per month",
        path="warranties/timeline",
    )
    warranty_summary = _endpoint(
        "warranty_summary",
        selectors.warranty_summary,
        None,
        WarrantySummarySerializer,
        summary="Warranty counts by effective status",
        path="warranties/summary",
    )
    retailers = _endpoint(
        "retailers",
        selectors.retailer_distribution,
        CurrencyQuerySerializer,
        RetailerShareSerializer,
        many=True,
        dated=False,
        summary="Purchases per retailer",
    )
    brands = _endpoint(
        "brands",
        selectors.brand_distribution,
        CurrencyQuerySerializer,
        BrandShareSerializer,
        many=True,
        dated=False,
        summary="Purchases per brand",
    )
    top_products = _endpoint(
        "top_products",
        selectors.top_products,
        TopProductsQuerySerializer,
        TopProductSerializer,
        many=True,
        dated=False,
        summary="Most purchased products",
    )
    recent_purchases = _endpoint(
        "recent_purchases",
        selectors.recent_purchases,
        LimitQuerySerializer,
        PurchaseSerializer,
        many=True,
        summary="Newest purchases",
    )
    recent_warranties = _endpoint(
        "recent_warranties",
        selectors.recent_warranties,
        LimitQuerySerializer,
        WarrantyReadSerializer,
        many=True,
        summary="Newest warranties",
    )
    dashboard = _endpoint(
        "dashboard",
        dashboard.dashboard,
        DashboardQuerySerializer,
        DashboardSerializer,
        homed=True,
        summary="Everything the dashboard shows, in one request",
        description="Every analytics answer at its default parameters; `currency` applies to the money parts "
        "(default: HOME when your household has purchases in more than one currency).",
    )
