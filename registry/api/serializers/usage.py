"""Bodies of the usage endpoints: reports and their lines, retractions, synthetic performers, cases."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.api import fields
from registry.api.serializers.consent import ProjectSerializer, project_from, territory_field
from registry.cases.models import Case
from registry.core import limits
from registry.core.vocabulary.cases import CaseKind
from registry.core.vocabulary.consent import AlterationExemption, Medium, SensitiveFlag
from registry.core.vocabulary.terms import RoleCategory
from registry.core.vocabulary.usage import UsageKind, UsageUnit
from registry.usage.models import SyntheticNotice, SyntheticPerformer, UsageLine, UsageReport
from registry.usage.rules import MAX_LINES, LineInput


class UsageLineInputSerializer(serializers.Serializer):
    line_id = fields.CharField(max_length=64, help_text="Your own id for the line, unique across your reports.")
    kind = serializers.ChoiceField(choices=UsageKind.choices)
    grant = fields.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        default=None,
        help_text="The grant (token jti) the use relies on.",
    )
    performer = fields.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        default=None,
        help_text="Performer id or member number, when no grant is named.",
    )
    synthetic_performer = fields.CharField(max_length=40, required=False, allow_null=True, default=None)
    agreement = fields.SlugField(
        max_length=40,
        required=False,
        allow_null=True,
        default=None,
        help_text="Agreement code; taken from the grant when one is named.",
    )
    project = ProjectSerializer()
    use_date = fields.DateField()
    units = fields.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    unit = serializers.ChoiceField(choices=UsageUnit.choices)
    role_category = serializers.ChoiceField(choices=RoleCategory.choices, required=False, allow_blank=True, default="")
    estimated_days = fields.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, default=None, min_value=Decimal("0.01")
    )
    negotiated_amount = fields.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Only where no signed price fixes it: a use whose consent negotiates each use's price (refused "
        "below the signed minimum or the agreement's floor), a revenue-share grant's licence revenue, a synthetic "
        "voice track's royalty per track. Anywhere else the report is refused: a line never sets its own price.",
    )
    currency = fields.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "Use an ISO 4217 code such as USD."},
    )
    media = serializers.ListField(
        child=serializers.ChoiceField(choices=Medium.choices),
        required=False,
        default=list,
        max_length=len(Medium),
        help_text="Required on a use of a performer (rule 2.4).",
    )
    territory = territory_field(required=False, default=list, help_text="Required on a use of a performer (rule 2.4).")
    role = fields.CharField(
        max_length=limits.USE_ROLE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="The role or scene; it must appear in the signed role or scenes.",
    )
    intended_use = fields.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="One of the signed intended uses, in its words.",
    )
    sensitive_content = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitiveFlag.choices),
        required=False,
        default=list,
        max_length=len(SensitiveFlag),
    )
    realtime_generation = fields.BooleanField(required=False, default=False)
    alteration_exemption = serializers.ChoiceField(
        choices=AlterationExemption.choices, required=False, allow_null=True, default=None
    )
    exemption_justification = fields.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required with alteration_exemption: why no consent is needed (union staff review it).",
    )
    justification = fields.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Synthetic stand-in: why it adds significant value.",
    )


class UsageReportInputSerializer(serializers.Serializer):
    report_id = fields.CharField(max_length=64, help_text="Your own id; resending it replays the report.")
    lines = UsageLineInputSerializer(many=True, max_length=MAX_LINES, allow_empty=False)


def line_inputs(lines: list[dict]) -> list[LineInput]:
    return [
        LineInput(
            line_ref=d["line_id"],
            kind=d["kind"],
            project=project_from(d["project"]),
            use_date=d["use_date"],
            units=d["units"],
            unit=d["unit"],
            grant_ref=d["grant"],
            performer_ref=d["performer"],
            synthetic_ref=d["synthetic_performer"],
            agreement_code=d["agreement"],
            role_category=d["role_category"],
            estimated_days=d["estimated_days"],
            negotiated_amount=d["negotiated_amount"],
            currency=d["currency"],
            media=tuple(d["media"]),
            territory=tuple(t.upper() for t in d["territory"]),
            alteration_exemption=d["alteration_exemption"],
            exemption_justification=d["exemption_justification"].strip(),
            justification=d["justification"],
            role=d["role"].strip(),
            intended_use=d["intended_use"].strip(),
            sensitive_content=tuple(sorted(set(d["sensitive_content"]))),
            realtime_generation=d["realtime_generation"],
        )
        for d in lines
    ]


class ViolationSummarySerializer(serializers.Serializer):
    line_id = serializers.CharField()
    case = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


class UsageReportSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    report_id = serializers.CharField(source="report_ref")
    lines = serializers.IntegerField(source="line_count")
    accepted = serializers.IntegerField(source="accepted_count")
    violation_count = serializers.IntegerField()
    violations = serializers.SerializerMethodField()

    class Meta:
        model = UsageReport
        fields = ["id", "report_id", "received_at", "lines", "accepted", "violation_count", "violations"]

    @extend_schema_field(ViolationSummarySerializer(many=True))
    def get_violations(self, report) -> list[dict]:
        out = []
        for case in Case.objects.filter(usage_line__report=report, kind=CaseKind.VIOLATION).select_related(
            "usage_line"
        ):
            out.append(
                {
                    "line_id": case.usage_line.line_ref,
                    "case": case.public_id,
                    "code": case.reason_code,
                    "detail": case.summary,
                }
            )
        return out


class UsageLineSerializer(serializers.ModelSerializer):
    line_id = serializers.CharField(source="line_ref")
    report = serializers.CharField(source="report.public_id")
    grant = serializers.CharField(source="grant.public_id", allow_null=True, default=None)
    covering_grant = serializers.CharField(source="covering_grant.public_id", allow_null=True, default=None)
    performer = serializers.CharField(source="performer.public_id", allow_null=True, default=None)
    synthetic_performer = serializers.CharField(source="synthetic_performer.public_id", allow_null=True, default=None)
    agreement = serializers.CharField(source="agreement.code")

    class Meta:
        model = UsageLine
        fields = [
            "line_id",
            "report",
            "kind",
            "status",
            "grant",
            "covering_grant",
            "performer",
            "synthetic_performer",
            "agreement",
            "project_kind",
            "project_title",
            "production_number",
            "use_date",
            "units",
            "unit",
            "role_category",
            "estimated_days",
            "negotiated_amount",
            "currency",
            "media",
            "territory",
            "role",
            "intended_use",
            "sensitive_content",
            "realtime_generation",
            "alteration_exemption",
            "exemption_justification",
            "exemption_review",
            "violation_code",
            "violation_detail",
            "retracted_at",
            "retraction_reason",
            "unrateable_reason",
            "unrateable_since",
        ]
        extra_kwargs = {
            "unrateable_reason": {
                "help_text": "Why a billing run could not price this accepted line (empty when it could): the rate "
                "or rule the union must add. Billed by the first run after the fix."
            },
            "unrateable_since": {"help_text": "When a billing run first failed to price the line; null otherwise."},
        }


class BorrowingInputSerializer(serializers.Serializer):
    performer = fields.CharField(max_length=64)
    feature = fields.CharField(max_length=200)


class SyntheticPerformerInputSerializer(serializers.Serializer):
    name = fields.CharField(max_length=200)
    description = fields.CharField(max_length=4000)
    borrowings = BorrowingInputSerializer(many=True, required=False, default=list, max_length=20)


class SyntheticPerformerSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    borrowings = serializers.SerializerMethodField()

    class Meta:
        model = SyntheticPerformer
        fields = ["id", "name", "description", "created_at", "borrowings"]

    @extend_schema_field(BorrowingInputSerializer(many=True))
    def get_borrowings(self, obj) -> list[dict]:
        return [
            {"performer": b.performer.public_id, "feature": b.feature, "grant": b.grant.public_id}
            for b in obj.borrowings.select_related("performer", "grant")
        ]


class CaseSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    studio = serializers.CharField(source="studio.public_id")
    performer = serializers.CharField(source="performer.public_id", allow_null=True, default=None)
    usage_line = serializers.CharField(source="usage_line.line_ref", allow_null=True, default=None)
    grant = serializers.CharField(source="grant.public_id", allow_null=True, default=None)
    synthetic_performer = serializers.CharField(source="synthetic_performer.public_id", allow_null=True, default=None)

    class Meta:
        model = Case
        fields = [
            "id",
            "kind",
            "status",
            "studio",
            "performer",
            "usage_line",
            "grant",
            "synthetic_performer",
            "production_number",
            "reason_code",
            "summary",
            "justification",
            "outcome",
            "opened_at",
            "resolved_at",
        ]


class SyntheticNoticeInputSerializer(serializers.Serializer):
    """Notice of a synthetic performer in a role a union performer could have played, filed
    before its first use (DOMAIN.md 2.12)."""

    synthetic_performer = fields.CharField(max_length=40, help_text="Its id (syn_...), registered first.")
    agreement = fields.CharField(max_length=40, help_text="The agreement the role falls under (its code).")
    project = ProjectSerializer()
    role_category = serializers.ChoiceField(choices=RoleCategory.choices)
    role = fields.CharField(max_length=200, help_text="The role it plays.")
    starts_on = fields.DateField(help_text="First planned use (today or later).")
    ends_on = fields.DateField(help_text="Last planned use.")
    justification = fields.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why it adds significant value; required under agreements that say so (TV/Theatrical 2026).",
    )
    borrows_real_features = fields.BooleanField(
        help_text="Whether it borrows a recognisable feature of a real performer (who must consent)."
    )


class SyntheticNoticeSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    studio = serializers.CharField(source="studio.public_id")
    synthetic_performer = serializers.CharField(source="synthetic_performer.public_id")
    agreement = serializers.CharField(source="agreement.code")
    case = serializers.CharField(source="case.public_id", allow_null=True, default=None)

    class Meta:
        model = SyntheticNotice
        fields = [
            "id",
            "studio",
            "synthetic_performer",
            "agreement",
            "project_kind",
            "project_title",
            "production_number",
            "role_category",
            "role",
            "starts_on",
            "ends_on",
            "justification",
            "borrows_real_features",
            "filed_at",
            "bargaining_ends_on",
            "case",
        ]
