"""Billing endpoints: invoices (JSON with totals by group, PDF), their lines (a page at a time,
or a streamed CSV), performer statements, fund balances."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import params
from registry.api.pagination import CursorPagination
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.billing import (
    FundBalanceSerializer,
    InvoiceDetailSerializer,
    InvoiceLineSerializer,
    InvoiceSerializer,
    StatementSerializer,
)
from registry.billing import line_csv, selectors
from registry.billing.pdf import invoice_pdf
from registry.core.caching import no_store
from registry.core.replica import replica_reads
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import Performer

# The detail still carries every line (the deprecated `lines` field) for a document of at most this
# many lines, the largest page: what it answered before for every document it could answer fast.
INLINE_LINES = CursorPagination.max_page_size


def _invoice(request, invoice_id: str):
    return get_object_or_404(selectors.invoices_visible_to(get_caller(request)), public_id=invoice_id)


def _lines_urls(invoice) -> tuple[str, str]:
    """Where the document's lines are read: a page at a time, and as CSV."""
    return (
        settings.REGISTRY_BASE_URL + reverse("api:invoice-lines", args=[invoice.public_id]),
        settings.REGISTRY_BASE_URL + reverse("api:invoice-lines-csv", args=[invoice.public_id]),
    )


class InvoiceListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        qs = selectors.invoices_visible_to(get_caller(self.request))
        query = self.request.query_params
        if "period" in query:
            qs = qs.filter(period=params.month(query))
        for param in ("status", "document_type"):
            if query.get(param):
                qs = qs.filter(**{param: query[param]})
        return qs.order_by("-id")

    @extend_schema(
        summary="Invoices and credit notes",
        tags=["billing"],
        parameters=[
            params.month_parameter(required=False),
            OpenApiParameter("status", str),
            OpenApiParameter("document_type", str),
        ],
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceDetailView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}

    @extend_schema(
        summary="An invoice with its lines totalled by use, project, role and month",
        description="The lines themselves are at `lines_url` (a page at a time) and `lines_csv_url` (all, as CSV).",
        tags=["billing"],
        responses={200: InvoiceDetailSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, invoice_id: str):
        invoice = _invoice(request, invoice_id)
        summary = selectors.invoice_summary(invoice)
        # The summary counts the lines: a larger document's lines are not read at all.
        small = sum(row["lines"] for row in summary) <= INLINE_LINES
        lines_url, lines_csv_url = _lines_urls(invoice)
        context = {
            "summary": summary,
            "inline_lines": list(selectors.invoice_lines(invoice)) if small else None,
            "lines_url": lines_url,
            "lines_csv_url": lines_csv_url,
        }
        return Response(InvoiceDetailSerializer(invoice, context=context).data)


class InvoiceLinePagination(CursorPagination):
    # In document order, as the CSV and the PDF: a document's lines are all written when it is.
    ordering = "id"


class InvoiceLineListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}
    serializer_class = InvoiceLineSerializer
    pagination_class = InvoiceLinePagination

    def get_queryset(self):
        return selectors.invoice_lines(_invoice(self.request, self.kwargs["invoice_id"]))

    @extend_schema(
        summary="An invoice's lines with their provenance, a page at a time",
        tags=["billing"],
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceLinesCsvView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}

    @extend_schema(
        # Named here: derived from the path it would carry the ".csv" of `lines.csv`, which the
        # guide's anchors and generated clients cannot take.
        operation_id="invoices_lines_csv_retrieve",
        summary="Every line of an invoice with its provenance, as CSV",
        description="Streamed in document order: one row per line, amounts as decimal strings with the currency.",
        tags=["billing"],
        responses={(200, "text/csv"): OpenApiTypes.STR, **PROBLEM_RESPONSES},
    )
    @no_store
    def get(self, request, invoice_id: str):
        invoice = _invoice(request, invoice_id)
        # Streamed: the rows are read a chunk at a time while they are sent (registry.billing.line_csv).
        return StreamingHttpResponse(
            line_csv.invoice_lines_csv(invoice),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{invoice.number or invoice.public_id}-lines.csv"'},
        )


class InvoicePdfView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}

    @extend_schema(
        summary="An invoice as PDF",
        tags=["billing"],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **PROBLEM_RESPONSES},
    )
    @no_store
    def get(self, request, invoice_id: str):
        invoice = _invoice(request, invoice_id)
        _, lines_csv_url = _lines_urls(invoice)
        return HttpResponse(
            invoice_pdf(invoice, summary=selectors.invoice_summary(invoice), lines_csv_url=lines_csv_url),
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{invoice.number or invoice.public_id}.pdf"'},
        )


class StatementView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"performer_side", "staff"}}

    @extend_schema(
        summary="A performer's statement for a period",
        tags=["billing"],
        parameters=[params.month_parameter()],
        responses={200: StatementSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, performer_id: str):
        caller = get_caller(request)
        performer = get_object_or_404(Performer, public_id=performer_id)
        if not (caller.is_staff or caller.may_view(performer)):
            raise Http404("No such performer.")
        period = params.month(request.query_params)
        return Response(StatementSerializer(selectors.performer_statement(performer, period)).data)


class FundBalanceView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"staff"}}

    @extend_schema(
        summary="Union fund balances",
        tags=["billing"],
        responses={200: FundBalanceSerializer(many=True), **PROBLEM_RESPONSES},
    )
    def get(self, request):
        return Response(FundBalanceSerializer(selectors.fund_balances(), many=True).data)
