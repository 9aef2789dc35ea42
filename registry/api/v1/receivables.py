"""Receivables endpoints: payments received (recorded by union admins), a studio's statement of
account (JSON and PDF), the aging report, and a performer's payouts."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import params
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.receivables import (
    AgingReportSerializer,
    PaymentInputSerializer,
    PaymentSerializer,
    PayoutSerializer,
    StudioStatementSerializer,
)
from registry.billing import payments, selectors
from registry.billing.pdf import statement_pdf
from registry.core import limits
from registry.core.caching import no_store
from registry.core.errors import FieldProblem, NotPermittedError, RuleRefusalError
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import Performer, Studio

ANALYSTS_READ_ONLY = "Union analysts read; a union admin records payments."


class PaymentListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}, "POST": {"staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}
    serializer_class = PaymentSerializer

    def get_queryset(self):
        return selectors.payments_visible_to(get_caller(self.request)).order_by("-pk")

    @extend_schema(summary="Payments received", tags=["receivables"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a payment received (union admins)",
        description=(
            "Applied to the documents named, in that order, or else to the studio's open documents oldest due "
            "first; a document may be paid in part, and what no document takes is kept as the studio's credit. "
            "A payment is recorded once per studio and reference: the same reference again answers 200 with the "
            "first payment, and 409 if its amount, currency or date differ."
        ),
        request=PaymentInputSerializer,
        responses={201: PaymentSerializer, 200: PaymentSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=["receivables"],
    )
    def post(self, request, *args, **kwargs):
        caller = get_caller(request)
        if not caller.is_union_admin:
            raise NotPermittedError(ANALYSTS_READ_ONLY)
        body = PaymentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        studio = Studio.objects.filter(public_id=body.validated_data["studio"]).first()
        if studio is None:
            raise RuleRefusalError(
                "No such studio.", problems=[FieldProblem("studio", "not_found", "No studio has this id.")]
            )
        payment, created = payments.payment_record(new=body.to_new_payment(studio), actor=caller.actor())
        payment = selectors.payments_visible_to(caller).get(pk=payment.pk)
        return Response(
            PaymentSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def _statement(request, studio_id: str) -> dict:
    caller = get_caller(request)
    studio = get_object_or_404(Studio, public_id=studio_id)
    if caller.is_studio and caller.studio.pk != studio.pk:
        raise Http404("No such studio.")
    query = request.query_params
    today = timezone.localdate()
    end = params.date(query, "to", today)
    start = params.date(query, "from", end.replace(day=1))
    # Well-formed dates the registry declines: 422, as every rule's refusal (registry/core/errors.py).
    if start > end:
        raise RuleRefusalError(
            "from is after to.",
            problems=[FieldProblem("from", "after_end", "The statement starts on or before it ends.")],
        )
    if (end - start).days > limits.MAX_STATEMENT_DAYS:
        raise RuleRefusalError(
            "The period is too long.",
            problems=[FieldProblem("from", "too_long", f"At most {limits.MAX_STATEMENT_DAYS} days a statement.")],
        )
    currencies = selectors.studio_currencies(studio)
    currency = params.currency(query, currencies[0] if currencies else "USD")
    return selectors.studio_statement(studio, currency, start, end)


STATEMENT_PARAMETERS = [
    params.date_parameter("from", "First day (default: the first of the month of `to`)"),
    params.date_parameter("to", "Last day (default: today)"),
    params.currency_parameter(),
]


class StudioStatementView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}

    @extend_schema(
        summary="A studio's statement of account",
        description="Opening balance, each document, void and payment with the running balance, the closing "
        "balance, and open balances by age (0-30, 31-60, 61-90, over 90 days past due) on the last day. "
        "A studio sees its own only.",
        parameters=STATEMENT_PARAMETERS,
        responses={200: StudioStatementSerializer, 422: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=["receivables"],
    )
    def get(self, request, studio_id: str):
        return Response(StudioStatementSerializer(_statement(request, studio_id)).data)


class StudioStatementPdfView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}

    @extend_schema(
        summary="A studio's statement of account as PDF",
        parameters=STATEMENT_PARAMETERS,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 422: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=["receivables"],
    )
    @no_store
    def get(self, request, studio_id: str):
        statement = _statement(request, studio_id)
        name = f"statement-{statement['studio']}-{statement['end'].isoformat()}.pdf"
        return HttpResponse(
            statement_pdf(statement),
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


class AgingReportView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"staff"}}

    @extend_schema(
        summary="Open balances of every studio by age (staff)",
        parameters=[params.date_parameter("as_of", "Day the ages are counted to (default: today)")],
        responses={200: AgingReportSerializer, **PROBLEM_RESPONSES},
        tags=["receivables"],
    )
    def get(self, request):
        as_of = params.date(request.query_params, "as_of", timezone.localdate())
        return Response(AgingReportSerializer(selectors.aging_report(as_of)).data)


class PerformerPayoutListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"performer_side", "staff"}}
    serializer_class = PayoutSerializer

    def get_queryset(self):
        caller = get_caller(self.request)
        performer = get_object_or_404(Performer, public_id=self.kwargs["performer_id"])
        if not (caller.is_staff or caller.may_view(performer)):
            raise Http404("No such performer.")
        return selectors.payouts_of(performer)

    @extend_schema(summary="What was paid out to a performer", tags=["receivables"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
