"""Bodies of the receivables endpoints: payments, statements of account, aging, payouts."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from registry.api import fields
from registry.billing.models import Payment, Payout
from registry.billing.payments import NewPayment
from registry.core import limits
from registry.core.vocabulary.billing import PaymentMethod

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class PaymentInputSerializer(serializers.Serializer):
    studio = fields.CharField(max_length=40, help_text="The paying studio's id (std_…).")
    amount = fields.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = fields.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code")
    received_on = fields.DateField(help_text="The day the money arrived (not in the future).")
    reference = fields.CharField(
        max_length=100, help_text="The bank's reference: a payment is recorded once per reference."
    )
    method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER)
    documents = serializers.ListField(
        child=fields.CharField(max_length=40),
        max_length=limits.MAX_PAYMENT_DOCUMENTS,
        required=False,
        default=list,
        help_text="Document ids to apply it to, in this order; left out: the open documents, oldest due first.",
    )

    def to_new_payment(self, studio) -> NewPayment:
        data = self.validated_data
        return NewPayment(
            studio=studio,
            amount=data["amount"],
            currency=data["currency"],
            received_on=data["received_on"],
            reference=data["reference"],
            method=data["method"],
            documents=tuple(data["documents"]),
        )


class PaymentApplicationSerializer(serializers.Serializer):
    document = serializers.CharField(source="invoice.public_id")
    number = serializers.CharField(source="invoice.number")
    amount = serializers.DecimalField(**MONEY)
    applied_on = serializers.DateField()


class PaymentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    studio = serializers.CharField(source="studio.public_id")
    amount = serializers.DecimalField(**MONEY)
    unapplied = serializers.DecimalField(**MONEY, help_text="Not applied to any document: the studio's credit.")
    applications = PaymentApplicationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "studio",
            "amount",
            "currency",
            "received_on",
            "reference",
            "method",
            "unapplied",
            "applications",
            "recorded_at",
        ]


class StatementRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    entry = serializers.CharField(help_text="invoice, credit_note, debit_note, residuals, void or payment")
    reference = serializers.CharField(help_text="The document's number or the payment's reference")
    document = serializers.CharField(help_text="The document's or payment's id")
    due_date = serializers.DateField(allow_null=True)
    detail = serializers.CharField()
    amount = serializers.DecimalField(**MONEY, help_text="Owed by the studio when positive")
    balance = serializers.DecimalField(**MONEY)


class AgingSerializer(serializers.Serializer):
    current = serializers.DecimalField(**MONEY, help_text="Not yet due")
    days_0_30 = serializers.DecimalField(**MONEY, source="0-30")
    days_31_60 = serializers.DecimalField(**MONEY, source="31-60")
    days_61_90 = serializers.DecimalField(**MONEY, source="61-90")
    days_90_plus = serializers.DecimalField(**MONEY, source="90+")


class StudioStatementSerializer(serializers.Serializer):
    studio = serializers.CharField()
    studio_name = serializers.CharField()
    currency = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    opening_balance = serializers.DecimalField(**MONEY)
    rows = StatementRowSerializer(many=True)
    closing_balance = serializers.DecimalField(**MONEY)
    aging = AgingSerializer(help_text="Open document balances by days past due, on the end date")
    credit_notes_open = serializers.DecimalField(**MONEY)
    unapplied_payments = serializers.DecimalField(**MONEY)


class AgingStudioSerializer(serializers.Serializer):
    studio = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    buckets = AgingSerializer()
    total = serializers.DecimalField(**MONEY)


class AgingReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    studios = AgingStudioSerializer(many=True)
    totals = serializers.DictField(child=AgingSerializer())


class PayoutSerializer(serializers.ModelSerializer):
    run = serializers.CharField(source="run.public_id", allow_null=True, default=None)
    paid_on = serializers.DateField(source="run.paid_on", allow_null=True, default=None)
    amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = Payout
        fields = ["run", "paid_on", "amount", "currency"]
