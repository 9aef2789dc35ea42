"""Bodies of the residuals endpoints: titles and casts, viewing reports with their decisions,
bonus distributions, training licences, earnings and the what-if. Serializers parse and
render; the services decide and write."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.api import fields
from registry.api.permissions import get_caller
from registry.api.serializers.billing import StatementSerializer
from registry.api.serializers.consent import ProjectSerializer, project_from
from registry.core.vocabulary.residuals import QualificationOutcome
from registry.residuals import selectors
from registry.residuals.models import BonusDistribution, Title, TrainingLicence, ViewingReport
from registry.residuals.services import CastInput, NewTitle, NewTrainingLicence, NewViewingReport


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


CURRENCY = {
    "required": False,
    "allow_null": True,
    "default": None,
    "error_messages": {"invalid": "Use an ISO 4217 code such as USD."},
}


# --- Input ------------------------------------------------------------------------------------
class CastMemberInputSerializer(serializers.Serializer):
    performer = fields.CharField(max_length=64, help_text="Performer id (prf_…) or union member number.")
    residual_base = fields.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="The performer's fixed residual for the title, in the agreement's currency.",
    )
    role = fields.CharField(max_length=200, required=False, allow_blank=True, default="")


class TitleInputSerializer(serializers.Serializer):
    project = ProjectSerializer(help_text="The picture or series season: kind, title, production number.")
    agreement = fields.SlugField(max_length=40, help_text="The agreement the cast works under, e.g. tvth-2026.")
    streaming_service = fields.CharField(max_length=200)
    release_date = fields.DateField(help_text="First day of exhibition year 1.")
    runtime_minutes = fields.IntegerField(
        min_value=1, max_value=100_000, help_text="For a season, all its episodes together."
    )
    high_budget_svod = fields.BooleanField(help_text="High-budget, made for subscription streaming.")
    currency = fields.RegexField(r"^[A-Z]{3}$", **CURRENCY)
    cast = CastMemberInputSerializer(many=True, allow_empty=False, max_length=1000)

    def to_new_title(self) -> NewTitle:
        data = self.validated_data
        return NewTitle(
            project=project_from(data["project"]),
            agreement_code=data["agreement"],
            streaming_service=data["streaming_service"],
            release_date=data["release_date"],
            runtime_minutes=data["runtime_minutes"],
            high_budget_svod=data["high_budget_svod"],
            currency=data["currency"],
            cast=tuple(
                CastInput(performer=c["performer"], residual_base=c["residual_base"], role=c["role"])
                for c in data["cast"]
            ),
        )


class ViewingReportInputSerializer(serializers.Serializer):
    exhibition_year = fields.IntegerField(
        min_value=1, max_value=100, help_text="1 for the year from the release date, 2 for the next, …"
    )
    hours_streamed = fields.DecimalField(
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text="Domestic hours streamed in the first days of the exhibition year (the agreement's window), "
        "so far: each report is cumulative.",
    )
    domestic_subscribers = fields.IntegerField(min_value=1, help_text="The service's domestic subscribers.")
    subscribers_as_of = fields.DateField(help_text="The date of that subscriber count.")

    def to_new_report(self) -> NewViewingReport:
        return NewViewingReport(**self.validated_data)


class TrainingLicenceInputSerializer(serializers.Serializer):
    licensee = fields.CharField(max_length=200, help_text="The company the media is licensed to.")
    fee = fields.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = fields.RegexField(r"^[A-Z]{3}$", **CURRENCY)
    term_start = fields.DateField()
    term_end = fields.DateField()

    def to_new_licence(self) -> NewTrainingLicence:
        return NewTrainingLicence(**self.validated_data)


# --- Output -----------------------------------------------------------------------------------
class CastMemberSerializer(serializers.Serializer):
    performer = serializers.CharField(source="performer.public_id")
    name = serializers.CharField(source="performer.display_name")
    role = serializers.CharField()
    residual_base = _money()


class TitleSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    studio = serializers.CharField(source="studio.public_id")
    agreement = serializers.CharField(source="agreement.code")
    cast = CastMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Title
        fields = [
            "id",
            "name",
            "project_kind",
            "production_number",
            "studio",
            "agreement",
            "streaming_service",
            "release_date",
            "runtime_minutes",
            "high_budget_svod",
            "currency",
            "registered_at",
            "cast",
        ]


class QualificationDecisionSerializer(serializers.Serializer):
    """Why the title did or did not qualify: every input the decision used."""

    outcome = serializers.ChoiceField(choices=QualificationOutcome.choices)
    meets_threshold = serializers.BooleanField()
    views = serializers.DecimalField(max_digits=22, decimal_places=4, coerce_to_string=True)
    required_views = serializers.DecimalField(max_digits=22, decimal_places=4, coerce_to_string=True)
    threshold = serializers.DecimalField(max_digits=5, decimal_places=4, coerce_to_string=True)
    runtime_minutes = serializers.IntegerField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    explanation = serializers.CharField()
    terms_used = serializers.JSONField()


class ViewingReportSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField(source="title.public_id")
    title_name = serializers.CharField(source="title.name")
    hours_streamed = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True)
    decision = QualificationDecisionSerializer(source="*")
    distribution = serializers.SerializerMethodField()

    class Meta:
        model = ViewingReport
        fields = [
            "id",
            "title",
            "title_name",
            "exhibition_year",
            "hours_streamed",
            "domestic_subscribers",
            "subscribers_as_of",
            "reported_at",
            "decision",
            "distribution",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_distribution(self, report) -> str | None:
        """The bonus distribution this report triggered, if it did."""
        distribution = getattr(report, "distribution", None)
        return distribution.public_id if distribution else None


class PerformerAmountSerializer(serializers.Serializer):
    performer = serializers.CharField(source="performer.public_id")
    name = serializers.CharField(source="performer.display_name")
    residual_base = _money()
    amount = _money()


class _CallerSharesMixin:
    """Shares filtered to what the caller may see (a performer sees only their own)."""

    def visible_shares(self, document) -> list:
        request = self.context.get("request")
        shares = document.shares.all()
        return selectors.shares_visible_to(get_caller(request), shares) if request else list(shares)


class BonusDistributionSerializer(_CallerSharesMixin, serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField(source="title.public_id")
    title_name = serializers.CharField(source="title.name")
    production_number = serializers.CharField(source="title.production_number")
    studio = serializers.CharField(source="title.studio.public_id")
    viewing_report = serializers.CharField(source="viewing_report.public_id")
    journal_entry = serializers.CharField(source="journal_entry.public_id", allow_null=True, default=None)
    fixed_residual_total = _money()
    bonus_total = _money()
    performers_total = _money()
    fund_amount = _money()
    shares = serializers.SerializerMethodField()

    class Meta:
        model = BonusDistribution
        fields = [
            "id",
            "title",
            "title_name",
            "production_number",
            "studio",
            "exhibition_year",
            "viewing_report",
            "currency",
            "fixed_residual_total",
            "bonus_total",
            "performers_total",
            "fund",
            "fund_amount",
            "terms_used",
            "explanation",
            "journal_entry",
            "created_at",
            "shares",
        ]

    @extend_schema_field(PerformerAmountSerializer(many=True))
    def get_shares(self, distribution) -> list[dict]:
        return PerformerAmountSerializer(self.visible_shares(distribution), many=True).data


class LicenceShareSerializer(PerformerAmountSerializer):
    consent_basis = serializers.CharField()
    grant = serializers.CharField(source="grant.public_id", allow_null=True, default=None)
    violation_case = serializers.CharField(source="violation_case.public_id", allow_null=True, default=None)
    findings = serializers.JSONField()


class TrainingLicenceSerializer(_CallerSharesMixin, serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    title = serializers.CharField(source="title.public_id")
    title_name = serializers.CharField(source="title.name")
    production_number = serializers.CharField(source="title.production_number")
    studio = serializers.CharField(source="title.studio.public_id")
    notice_case = serializers.CharField(source="notice_case.public_id")
    journal_entry = serializers.CharField(source="journal_entry.public_id", allow_null=True, default=None)
    fee = _money()
    performer_share = serializers.DecimalField(max_digits=5, decimal_places=4, coerce_to_string=True)
    performers_total = _money()
    shares = serializers.SerializerMethodField()

    class Meta:
        model = TrainingLicence
        fields = [
            "id",
            "title",
            "title_name",
            "production_number",
            "studio",
            "licensee",
            "fee",
            "currency",
            "term_start",
            "term_end",
            "performer_share",
            "performers_total",
            "terms_used",
            "notice_case",
            "journal_entry",
            "recorded_at",
            "shares",
        ]

    @extend_schema_field(LicenceShareSerializer(many=True))
    def get_shares(self, licence) -> list[dict]:
        return LicenceShareSerializer(self.visible_shares(licence), many=True).data


class ResidualLineSerializer(serializers.Serializer):
    document = serializers.CharField(help_text="The bonus distribution (sbd_…) or training licence (tlc_…).")
    studio = serializers.CharField()
    project = serializers.CharField()
    use = serializers.CharField(help_text="streaming_success_bonus or training_licence")
    date = serializers.DateField()
    amount = _money()
    currency = serializers.CharField()
    explanation = serializers.CharField()


class EarningsSerializer(StatementSerializer):
    """The statement, with residual earnings beside the usage pay and totals of both."""

    residuals = ResidualLineSerializer(many=True)
    residual_totals = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    grand_totals = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))


# --- What-if ----------------------------------------------------------------------------------
class WhatIfShareSerializer(serializers.Serializer):
    performer = serializers.CharField()
    name = serializers.CharField()
    residual_base = _money()
    amount = _money()


class WhatIfSideSerializer(serializers.Serializer):
    qualified = serializers.BooleanField()
    bonus_total = _money()
    performers_total = _money()
    fund_amount = _money()
    shares = WhatIfShareSerializer(many=True)


class WhatIfActualSerializer(WhatIfSideSerializer):
    distribution = serializers.CharField(allow_null=True)


class WhatIfModelledSerializer(WhatIfSideSerializer):
    viewing_report = serializers.CharField(allow_null=True)
    explanation = serializers.CharField()


class WhatIfTitleSerializer(serializers.Serializer):
    title = serializers.CharField()
    name = serializers.CharField()
    production_number = serializers.CharField()
    studio = serializers.CharField()
    exhibition_year = serializers.IntegerField()
    window_start = serializers.DateField()
    currency = serializers.CharField()
    reports = serializers.IntegerField()
    actual = WhatIfActualSerializer()
    what_if = WhatIfModelledSerializer()
    difference = _money()


class WhatIfTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    titles_qualified_actual = serializers.IntegerField()
    titles_qualified_what_if = serializers.IntegerField()
    actual_bonus = _money()
    what_if_bonus = _money()
    difference = _money()
    actual_to_performers = _money()
    what_if_to_performers = _money()
    actual_to_fund = _money()
    what_if_to_fund = _money()


class WhatIfPerformerSerializer(serializers.Serializer):
    performer = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()
    actual = _money()
    what_if = _money()
    difference = _money()


class WhatIfSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    overrides = serializers.DictField(child=serializers.CharField())
    titles = WhatIfTitleSerializer(many=True)
    totals = WhatIfTotalSerializer(many=True)
    by_performer = WhatIfPerformerSerializer(many=True)
