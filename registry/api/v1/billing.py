"""Billing endpoints: invoices (JSON and PDF), performer statements, fund balances."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import params
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.billing import (
    FundBalanceSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    StatementSerializer,
)
from registry.billing import selectors
from registry.billing.pdf import invoice_pdf
from registry.core.caching import no_store
from registry.core.replica import replica_reads
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import Performer


def _invoice(request, invoice_id: str):
    qs = selectors.invoices_visible_to(get_caller(request)).prefetch_related(
        "lines__rate_card", "lines__performer", "lines__usage_line", "lines__agreement", "lines__charged_document"
    )
    return get_object_or_404(qs, public_id=invoice_id)


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
        summary="An invoice with its lines and their provenance",
        tags=["billing"],
        responses={200: InvoiceDetailSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, invoice_id: str):
        return Response(InvoiceDetailSerializer(_invoice(request, invoice_id)).data)


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
        return HttpResponse(
            invoice_pdf(invoice),
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
