"""Shapes of the receipt suggestion (API.md § Receipt suggestions): the upload form and the answer."""

from rest_framework import serializers


class ReceiptUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The receipt: PDF (with text, or scanned), JPEG, PNG, WebP or HEIC, checked on the bytes like an "
        "attachment. At most MAX_UPLOAD_SIZE (25 MB)."
    )


class ReceiptSuggestionFieldsSerializer(serializers.Serializer):
    product_name = serializers.CharField(allow_null=True, help_text="The longest item line (a suggestion only).")
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="The total: the TOTAL/SUMME/... line's amount."
    )
    currency_code = serializers.CharField(allow_null=True, help_text="ISO 4217, from the symbol or code.")
    purchase_date = serializers.DateField(
        allow_null=True, help_text="The first plausible date, never in the future (day/month order by the currency)."
    )
    retailer_id = serializers.UUIDField(allow_null=True, help_text="The catalog retailer named in the first lines.")
    retailer_name = serializers.CharField(
        allow_null=True, help_text="The catalog retailer's name, else the receipt's first line (low confidence)."
    )


class ReceiptConfidenceSerializer(serializers.Serializer):
    product_name = serializers.FloatField(min_value=0, max_value=1)
    price = serializers.FloatField(min_value=0, max_value=1)
    currency_code = serializers.FloatField(min_value=0, max_value=1)
    purchase_date = serializers.FloatField(min_value=0, max_value=1)
    retailer_id = serializers.FloatField(min_value=0, max_value=1)
    retailer_name = serializers.FloatField(min_value=0, max_value=1)


class ReceiptSuggestionSerializer(serializers.Serializer):
    engine = serializers.ChoiceField(
        choices=["pdf-text", "ocr"], help_text="pdf-text: the PDF's text layer; ocr: Tesseract read the image."
    )
    text = serializers.CharField(help_text="The text read from the receipt.")
    suggestion = ReceiptSuggestionFieldsSerializer(help_text="Fields it cannot read are null.")
    confidence = ReceiptConfidenceSerializer(
        help_text="0..1 per suggestion field (0 for a null field); the web app marks fields below 0.7."
    )
