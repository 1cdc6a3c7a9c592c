"""Reference rates (API.md § Version 2 → Currencies): the rate between two currencies on a day, and the import of
the ECB's history file (superusers)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rates import selectors, services
from rates.ecb import SOURCE
from spends import clock
from spends.api.permissions import IsSuperuser
from spends.api.scope import request_scope
from spends.api.serializers import ErrorSerializer
from spends.api.uploads import multipart_file, refuse_a_long_body

from .serializers import RateQuerySerializer, RateSerializer, RatesImportReportSerializer, RatesImportUploadSerializer

TAGS = ["rates"]


class IsSuperuserForRates(IsSuperuser):
    message = "Only a superuser may import reference rates: they are shared by every user."


class RateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="The exchange rate between two currencies on a day (ECB reference rates, through the euro)",
        description=(
            "Home-currency units per 1 unit of `currency` on `date`, from the ECB's reference rates: the latest "
            "publication day on or before `date` (at most 7 days before) on which both currencies are published. "
            "`home_currency` is the caller's home currency (GET /api/auth/me), or the `home` parameter (an addition "
            "to API.md: any other currency to convert into)."
        ),
        parameters=[
            OpenApiParameter("currency", OpenApiTypes.STR, required=True, description='ISO 4217 code ("GBP").'),
            OpenApiParameter("date", OpenApiTypes.DATE, description="YYYY-MM-DD; default: today (UTC)."),
            OpenApiParameter(
                "home", OpenApiTypes.STR, description="ISO 4217 code to convert into; default: your home currency."
            ),
        ],
        responses={200: RateSerializer, 400: OpenApiResponse(ErrorSerializer, description="A bad code or date.")},
    )
    def get(self, request):
        query = RateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        currency = query.validated_data["currency"]
        home = query.validated_data.get("home") or request_scope(request).home_currency
        rate, day = selectors.rate_on(
            currency=currency, home_currency=home, day=query.validated_data.get("date") or clock.today()
        )
        answer = {
            "currency": currency,
            "home_currency": home,
            "date": day,
            "rate": None if rate is None else format(rate, "f"),
            "source": SOURCE if rate is not None and currency != home else None,
        }
        return Response(RateSerializer(answer).data)


class RatesImportView(APIView):
    permission_classes = [IsSuperuserForRates]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        summary="Add the rates of the ECB's eurofxref-hist.csv or .zip (superuser)",
        description=(
            "Idempotent: rates already stored for a (currency, day) are left as they are, so importing the same "
            "file twice adds nothing the second time. All or nothing: a malformed file writes nothing (400)."
        ),
        request={"multipart/form-data": RatesImportUploadSerializer},
        responses={
            200: RatesImportReportSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Not the ECB's history file; nothing was written."),
            403: OpenApiResponse(ErrorSerializer, description="Not a superuser (staff included)."),
            413: OpenApiResponse(ErrorSerializer, description="The file is larger than IMPORT_MAX_UPLOAD_SIZE."),
        },
    )
    def post(self, request):
        refuse_a_long_body(request)
        upload = multipart_file(request)
        try:
            report = services.rates_import(upload)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"file": exc.messages}) from None
        return Response(RatesImportReportSerializer(report).data)
