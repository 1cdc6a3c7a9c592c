"""Export and import of the caller's purchases (API.md § Export and import). Thin: parse the request, call
`transfer.services`, answer. Exports stream; imports answer the report."""

from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from purchases import selectors
from purchases.api.serializers import PurchaseSerializer
from purchases.filters import PurchaseFilterSet
from purchases.models import Purchase
from spends.api.exceptions import error_body
from spends.api.serializers import ErrorSerializer
from spends.api.uploads import PayloadTooLarge, import_max_upload_size, multipart_file, refuse_a_long_body
from spends.api.viewsets import HouseholdWritePermission, ScopedViewMixin
from transfer import services as transfer
from transfer import sources
from warranties.api.claims import ClaimSerializer
from warranties.api.serializers import CoverageSerializer

TAGS = ["export and import"]


class JsonErrorsNegotiation(DefaultContentNegotiation):
    """Downloads ignore Accept (a client asking for text/csv must not get a 406); errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class RawBodyParser(BaseParser):
    """The request body as bytes (read up to the import limit), decoded and checked by `transfer.services`."""

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        limit = import_max_upload_size()
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge()
        return data


class RawJSONParser(RawBodyParser):
    media_type = "application/json"


class RawCSVParser(RawBodyParser):
    media_type = "text/csv"


# --- schema-only serializers ------------------------------------------------------------------------------------------


class CatalogObjectSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class ExportCoverageSerializer(CoverageSerializer):
    """A coverage in the JSON export (version 2): the purchase object's warranty object with its claims."""

    claims = ClaimSerializer(
        many=True, help_text="Version 2: the coverage's claims (the API's claim objects), newest opened first."
    )

    class Meta(CoverageSerializer.Meta):
        fields = [*CoverageSerializer.Meta.fields, "claims"]


class ExportPurchaseSerializer(PurchaseSerializer):
    """A purchase object of GET /api/purchases; in the export each of its `warranties` also holds its `claims`."""

    warranties = ExportCoverageSerializer(
        many=True,
        help_text="Version 2: every coverage, by warranty_end (LIFETIME last), each with its claims. An import "
        "replaces the purchase's coverages with this list as a set (a new purchase gets them all; an updated one "
        "loses the coverages and claims it had unless they are the same). Version 1 has only `warranty`.",
    )


class ExportDocumentSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[transfer.EXPORT_FORMAT])
    version = serializers.IntegerField(
        help_text=f"The export writes {transfer.EXPORT_VERSION}; an import reads 1 (each purchase's `warranty` is its "
        "only coverage) and 2 (`warranties` with their claims)."
    )
    exported_at = serializers.DateTimeField()
    retailers = CatalogObjectSerializer(many=True, help_text="The retailers the caller's purchases use.")
    brands = CatalogObjectSerializer(many=True, help_text="The brands the caller's purchases use.")
    purchases = ExportPurchaseSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="UTF-8 (with or without BOM). At most IMPORT_MAX_UPLOAD_SIZE (20 MB).")


LINE_HELP = (
    "A CSV's spreadsheet line: `row` + 1 (the header is line 1), the row number a spreadsheet program shows; null in "
    "a JSON import and for file-level warnings."
)


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Data row, counted from 1 (a JSON file's purchase).")
    line = serializers.IntegerField(allow_null=True, help_text=LINE_HELP)
    field = serializers.CharField(allow_null=True, help_text="CSV column, or dotted path in the purchase object.")
    message = serializers.CharField()


class ImportWarningSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="null for file-level warnings.")
    line = serializers.IntegerField(allow_null=True, help_text=LINE_HELP)
    message = serializers.CharField()


class ImportSkippedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Data row, counted from 1 (a JSON file's purchase).")
    line = serializers.IntegerField(allow_null=True, help_text=LINE_HELP)
    reason = serializers.CharField(help_text='Why it was skipped, e.g. "Duplicate of <id> (duplicates are skipped)."')


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    total_rows = serializers.IntegerField(
        help_text="Purchases read: in a version-2 CSV the rows that share an id are one purchase (errors still name "
        "the file's data row)."
    )
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = ImportRowErrorSerializer(many=True)
    warnings = ImportWarningSerializer(many=True)
    skipped_rows = ImportSkippedRowSerializer(
        many=True, help_text="One per skipped row (`skipped` of them), with the reason; empty when refused."
    )


class ImportRefusedSerializer(ImportReportSerializer):
    """Rows with errors and partial=false: the report next to the error body's detail and code; nothing written."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["validation_error"])


class ImportQuerySerializer(serializers.Serializer):
    on_duplicate = serializers.ChoiceField(choices=["skip", "update"], default="skip")
    dry_run = serializers.ChoiceField(choices=["true", "false"], default="false")
    partial = serializers.ChoiceField(choices=["true", "false"], default="false")

    def to_internal_value(self, data):
        values = super().to_internal_value({key: value.strip().lower() for key, value in data.items()})
        values["dry_run"] = values["dry_run"] == "true"
        values["partial"] = values["partial"] == "true"
        return values


IMPORT_PARAMETERS = [
    OpenApiParameter("on_duplicate", str, enum=["skip", "update"], description="Default skip."),
    OpenApiParameter("dry_run", bool, description="true: write nothing, report what would happen. Default false."),
    OpenApiParameter("partial", bool, description="true: write the valid rows despite errors. Default false."),
]
IMPORT_400 = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="ImportFailure",
        serializers=[ImportRefusedSerializer, ErrorSerializer],
        resource_type_field_name=None,
    ),
    description="Rows with errors (partial=false): the report plus detail/code, errors a list of {row, field, "
    "message}. A bad file (not UTF-8, not CSV/JSON, empty, missing required columns, wrong format/version) or bad "
    'query: the error body, {"detail", "code": "validation_error", "errors": {"file"|param: [message]}}. '
    "Nothing is written either way.",
)
IMPORT_RESPONSES = {
    200: OpenApiResponse(ImportReportSerializer, description="Imported (or, with dry_run, would be)."),
    400: IMPORT_400,
    413: OpenApiResponse(ErrorSerializer, description="The file is larger than IMPORT_MAX_UPLOAD_SIZE."),
    415: OpenApiResponse(ErrorSerializer, description="Neither multipart/form-data nor the accepted body type."),
}
DOWNLOAD_HEADER = "Content-Disposition: attachment; filename=spends-export-YYYYMMDD.{} (UTC date)."


def _download(pieces, content_type: str, extension: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(pieces, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{transfer.export_filename(extension)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


class ExportJsonView(ScopedViewMixin, APIView):
    permission_classes = [IsAuthenticated, HouseholdWritePermission]
    content_negotiation_class = JsonErrorsNegotiation

    @extend_schema(
        tags=TAGS,
        summary="Export all the caller's household's data as JSON (download)",
        description="The document of API.md § Export and import, version 2, streamed: each purchase object holds "
        "`warranty` (the chosen coverage) and `warranties` (every coverage, each with its `claims`). "
        + DOWNLOAD_HEADER.format("json"),
        responses={200: ExportDocumentSerializer},
    )
    def get(self, request):
        pieces = (piece.encode() for piece in transfer.purchases_export_json(household_id=self.scope.household_id))
        return _download(pieces, "application/json; charset=utf-8", "json")


class ExportCsvView(ScopedViewMixin, GenericAPIView):
    permission_classes = [IsAuthenticated, HouseholdWritePermission]
    content_negotiation_class = JsonErrorsNegotiation
    queryset = Purchase.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = PurchaseFilterSet
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset
        return selectors.purchase_list(household_id=self.scope.household_id)

    @extend_schema(
        tags=TAGS,
        summary="Export the caller's household's purchases as CSV (download)",
        description="Streamed, UTF-8 with BOM, the header of API.md followed (version 2) by return_by, returned_on, "
        "warranty_cost, warranty_reference, then (#22) exchange_rate, rate_source, home_price. One row per coverage: "
        "a purchase with several warranties is written as "
        "several rows repeating the purchase's columns and id, its chosen warranty's row first, the others by "
        "warranty_end (LIFETIME last); a purchase without warranty is one row with empty warranty columns. Claims are "
        "in the JSON export only. Takes the filters and ordering of GET /api/purchases. Cells starting with = + - @ "
        "tab or CR get a leading '. " + DOWNLOAD_HEADER.format("csv"),
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file.")},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())  # bad filter values raise a 400 here
        pieces = (piece.encode() for piece in transfer.purchases_export_csv(queryset=queryset))
        return _download(pieces, "text/csv; charset=utf-8", "csv")


class ImportView(ScopedViewMixin, APIView):
    """Shared by both imports; subclasses say how their file is parsed (`parse`) and which bodies they accept.
    An import writes into the caller's household (a VIEWER gets 403), except a dry run, which changes nothing."""

    permission_classes = [IsAuthenticated, HouseholdWritePermission]

    def is_read_only_request(self, request) -> bool:
        query = ImportQuerySerializer(data=request.query_params)
        return query.is_valid() and query.validated_data.get("dry_run") is True

    def parse(self, upload) -> dict:
        """The source keyword of `transfer.purchases_import_detailed` for the upload (`table=` or `document=`)."""
        raise NotImplementedError

    def read_upload(self, request):
        """The uploaded file (read by the parsers in chunks; a large upload is a temporary file on disk), or the
        request body's bytes."""
        refuse_a_long_body(request)
        data = request.data
        if isinstance(data, bytes):
            return data
        if not request.content_type.startswith("multipart/"):
            return b""  # an empty body: DRF skips the parser, and the file checks say "empty"
        return multipart_file(request)

    def post(self, request):
        query = ImportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        upload = self.read_upload(request)
        try:
            source = self.parse(upload)
            del upload  # a request body's bytes are not needed any more
            outcome = transfer.purchases_import_detailed(
                household_id=self.scope.household_id,
                created_by=request.user,
                keep_rows=False,
                **source,
                **options,
            )
        except transfer.ImportFileError as exc:  # also while the rows of a CSV file are read: nothing was written
            return Response(error_body(400, exc.message, errors={"file": [exc.message]}), status=400)
        report = outcome.report
        if outcome.refused:
            count = len({error["row"] for error in report["errors"]})
            detail = (
                f"{count} row{'s' if count != 1 else ''} with errors; nothing was imported. "
                "Fix them, or send partial=true to import the valid rows."
            )
            return Response({"detail": detail, "code": "validation_error", **report}, status=400)
        return Response(report)


RATES_ON_IMPORT = (
    "Currencies (#22): a row's exchange_rate is kept as a MANUAL rate when its rate_source is MANUAL, or when the "
    "file has an exchange_rate and no rate_source column or key at all (a file made by hand); any other rate (ECB, "
    "empty) is worked out again from the reference rates for the household's home currency, never taken from the "
    "file. home_price is always computed (never read). An update that changes price, currency or date converts "
    "again; one from a file without rate columns keeps a MANUAL rate unless the currency changes. Row errors: a "
    "rate_source other than ECB, MANUAL or empty; MANUAL without exchange_rate; a MANUAL rate other than 1 in the "
    "home currency."
)


def _import_schema(summary: str, description: str, body_type: str, body_schema, extra_parameters=()):
    """The schema of one import endpoint: `body_type` is the raw request body it accepts besides multipart."""
    return extend_schema_view(
        post=extend_schema(
            tags=TAGS,
            summary=summary,
            description=description,
            parameters=[*IMPORT_PARAMETERS, *extra_parameters],
            request={"multipart/form-data": ImportUploadSerializer, body_type: body_schema},
            responses=IMPORT_RESPONSES,
        )
    )


@_import_schema(
    "Import purchases from CSV",
    "Multipart field `file` (or a text/csv body): the CSV export's columns; product_name, price and purchase_date are "
    "required, unknown columns are a warning. Retailers and brands are matched by name case-insensitively and "
    "created when missing. Version 2 (a header with return_by): rows with the same id are one purchase, each row one "
    "of its coverages (warranty columns all empty: none), and they replace an updated purchase's coverages as a set "
    "(claims are JSON-only: an updated purchase whose coverages change loses its claims). Version 1 (no return_by "
    "column, one row per purchase): the warranty columns create or update the purchase's chosen warranty, and its "
    "other coverages stay (and its stored cost and reference, unless the row gives them); a row with them all "
    "empty deletes it. warranty_cost and warranty_reference are read in both. " + RATES_ON_IMPORT,
    "text/csv",
    OpenApiTypes.STR,
    [
        OpenApiParameter(
            "source",
            str,
            enum=list(sources.SOURCES),
            description="Version 2: the file is another application's CSV export instead of ours. "
            + sources.SOURCE_HELP
            + " Errors name that application's column where one of its columns filled ours. An unknown source: 400 "
            "on source.",
        )
    ],
)
class ImportCsvView(ImportView):
    parser_classes = [MultiPartParser, RawCSVParser]

    def source(self) -> str | None:
        return self.request.query_params.get("source") or None

    def parse(self, upload) -> dict:
        if self.source():
            return {"table": sources.parse_source_csv(self.source(), upload)}
        return {"table": transfer.parse_csv(upload)}

    def post(self, request):
        """`source=`: another application's export, read through transfer.sources (checked before the upload)."""
        if self.source():
            try:
                sources.source_named(self.source())
            except ValueError as exc:
                return Response(error_body(400, str(exc), errors={"source": [str(exc)]}), status=400)
        response = super().post(request)
        if self.source() and isinstance(response.data.get("errors"), list):
            sources.rename_error_fields(response.data, self.source())
        return response


@_import_schema(
    "Import purchases from a JSON export document",
    "Multipart field `file`, or the document as the request body. Accepts what GET /api/export/json produces "
    '("format": "spends-tracker", "version": 2) and version 1. Version 2: a purchase\'s `warranties` (each with its '
    "`claims`) replace its coverages as a set: a new purchase gets them all, an updated one (on_duplicate=update) "
    "loses the coverages and claims it had unless they are the same; its `warranty` is ignored. Version 1: "
    "`warranty` is a new purchase's only coverage, and an update changes only the purchase's chosen warranty. "
    "Purchases are matched to catalog entries by retailer_name/brand_name; ids, timestamps, attachment_count, "
    "claim_count and days_remaining are not imported (new ids are made); a claim's previous_warranty_end is. "
    + RATES_ON_IMPORT,
    "application/json",
    ExportDocumentSerializer,
)
class ImportJsonView(ImportView):
    parser_classes = [MultiPartParser, RawJSONParser]

    def parse(self, upload) -> dict:
        return {"document": transfer.parse_json(upload)}
