"""Bodies of the billing endpoints: invoices with their totals by group, their lines a page at a
time, statements, fund balances."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from registry.billing.models import Invoice, InvoiceLine
from registry.core.vocabulary.billing import LineCharge


class InvoiceLineSerializer(serializers.ModelSerializer):
    # Read from registry.billing.selectors.invoice_lines' annotations: no query per line.
    usage_line = serializers.CharField(
        source="usage_line_ref",
        allow_null=True,
        default=None,
        help_text="The studio's own id of the usage line billed; null on a residuals or interest line.",
    )
    source = serializers.CharField(
        source="source_ref",
        help_text="A residuals line: the bonus distribution (sbd_…) or training licence (tlc_…) it bills.",
    )
    charged_document = serializers.CharField(
        source="charged_document_number",
        allow_null=True,
        default=None,
        help_text="An interest line: the overdue document whose balance bore the interest.",
    )
    performer = serializers.CharField(source="performer_ref", allow_null=True, default=None)
    grant = serializers.CharField(source="token_jti", help_text="The grant (token jti) the use relied on.")
    rate_card = serializers.SerializerMethodField()
    agreement = serializers.CharField(source="agreement_code", allow_null=True, default=None)
    terms_used = serializers.JSONField(
        source="applied_terms.terms", read_only=True, help_text="The agreement terms applied, copied at rating time"
    )
    interest = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    performer_pay = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    ph_contribution = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    fund_total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "usage_line",
            "source",
            "charged_document",
            "is_credit",
            "is_adjustment",
            "performer",
            "grant",
            "rate_card",
            "agreement",
            "terms_used",
            "description",
            "explanation",
            "performer_pay",
            "ph_contribution",
            "fund_shares",
            "fund_total",
            "interest",
            "total",
        ]

    def get_rate_card(self, line) -> dict | None:
        if line.rate_card_id is None:
            return None
        rc = line.rate_card
        return {
            "role_category": rc.role_category,
            "unit": rc.unit,
            "amount": str(rc.amount),
            "effective_from": rc.effective_from.isoformat(),
        }


class PaymentTermsSerializer(serializers.Serializer):
    agreement = serializers.CharField(allow_null=True, required=False)
    days = serializers.IntegerField(required=False, help_text="Days net: due this many days after issue.")
    late_interest_monthly_rate = serializers.CharField(required=False, help_text="Simple interest a month.")
    reminder_days = serializers.ListField(child=serializers.IntegerField(), required=False)
    confidence = serializers.CharField(required=False, help_text="H, M or L: how sure the figures are.")
    source = serializers.CharField(required=False)


class InvoiceSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    studio = serializers.CharField(source="studio.public_id")
    period = serializers.SerializerMethodField()
    original = serializers.CharField(source="original.number", allow_null=True, default=None)
    performer_pay = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    ph_contributions = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    fund_royalties = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    balance = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, help_text="What is still owed on the document."
    )
    payment_terms = PaymentTermsSerializer(help_text="The payment terms the document carries, copied when issued.")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "document_type",
            "status",
            "studio",
            "period",
            "original",
            "currency",
            "performer_pay",
            "ph_contributions",
            "fund_royalties",
            "interest",
            "total",
            "balance",
            "issue_date",
            "due_date",
            "payment_terms",
            "finalized_at",
            "paid_at",
            "voided_at",
            "void_reason",
            "reason",
        ]

    def get_period(self, invoice) -> str:
        return invoice.period.strftime("%Y-%m")


class InvoiceSummaryRowSerializer(serializers.Serializer):
    """One group of a document's lines and their totals."""

    charge = serializers.ChoiceField(
        choices=LineCharge.choices, help_text="What the lines bill: usage, residuals or late-payment interest."
    )
    use = serializers.CharField(allow_null=True, help_text="The usage kind; null on a residuals or interest group.")
    project_title = serializers.CharField(allow_null=True)
    production_number = serializers.CharField(allow_null=True)
    role = serializers.CharField(allow_null=True, help_text="The role category the usage lines stated, if any.")
    month = serializers.DateField(
        format="%Y-%m", allow_null=True, help_text="YYYY-MM: the month of use (an adjustment's may be earlier)."
    )
    lines = serializers.IntegerField(help_text="How many lines the group totals.")
    performer_pay = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    ph_contribution = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    fund_total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()


@extend_schema_serializer(deprecate_fields=["lines"])
class InvoiceDetailSerializer(InvoiceSerializer):
    """The document, its lines totalled by group, and where its lines are: a page at a time
    (`lines_url`) or all at once as CSV (`lines_csv_url`). The view passes the summary, the
    addresses and the inline lines in the serializer's context."""

    line_count = serializers.SerializerMethodField(help_text="How many lines the document has.")
    summary = serializers.SerializerMethodField(
        help_text="The lines totalled by charge, use kind, project, role and month of use."
    )
    lines_url = serializers.SerializerMethodField(help_text="The lines, a page at a time (cursor pagination).")
    lines_csv_url = serializers.SerializerMethodField(help_text="Every line with its provenance, as CSV.")
    lines = serializers.SerializerMethodField(
        help_text="Deprecated: read `lines_url` or `lines_csv_url`. Every line of a document of at most 500 lines, "
        "as before; null on a larger document, whose lines are read a page at a time."
    )

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "line_count", "summary", "lines_url", "lines_csv_url", "lines"]

    def get_line_count(self, invoice) -> int:
        return sum(row["lines"] for row in self.context["summary"])

    @extend_schema_field(InvoiceSummaryRowSerializer(many=True))
    def get_summary(self, invoice) -> list[dict]:
        return InvoiceSummaryRowSerializer(self.context["summary"], many=True).data

    def get_lines_url(self, invoice) -> str:
        return self.context["lines_url"]

    def get_lines_csv_url(self, invoice) -> str:
        return self.context["lines_csv_url"]

    @extend_schema_field(InvoiceLineSerializer(many=True, allow_null=True))
    def get_lines(self, invoice) -> list[dict] | None:
        inline = self.context["inline_lines"]
        return None if inline is None else InvoiceLineSerializer(inline, many=True).data


class StatementLineSerializer(serializers.Serializer):
    document = serializers.CharField()
    studio = serializers.CharField()
    project = serializers.CharField()
    use = serializers.CharField()
    use_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    grant = serializers.CharField()
    explanation = serializers.CharField()
    credit = serializers.BooleanField()


class StatementSerializer(serializers.Serializer):
    performer = serializers.CharField()
    period = serializers.CharField()
    lines = StatementLineSerializer(many=True)
    by_studio = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    by_project = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    by_use = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    totals = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))


class FundBalanceSerializer(serializers.Serializer):
    fund = serializers.CharField()
    currency = serializers.CharField()
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
