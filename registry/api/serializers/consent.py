"""Bodies of the consent endpoints: requests, answers, grants, checks, preferences, strikes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.api import fields
from registry.consent import rules
from registry.consent.models import ConsentCheckRecord, ConsentGrant, ConsentRequest, PerformerPreferences, Strike
from registry.core import limits
from registry.core.vocabulary.consent import (
    AlterationExemption,
    CheckReasonCode,
    CompensationUnit,
    ContentCategory,
    Medium,
    ProjectKind,
    ReplicaOrigin,
    ReplicaSource,
    RequestStatus,
    SensitiveFlag,
    UseType,
)
from registry.parties.models import EstateSearch


def territory_field(**kwargs):
    return serializers.ListField(
        child=fields.RegexField(
            r"^[A-Za-z]{2}$",
            max_length=2,
            error_messages={"invalid": "Use an ISO 3166-1 alpha-2 country code (e.g. US) or WW for worldwide."},
        ),
        max_length=250,
        **kwargs,
    )


class ProjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProjectKind.choices)
    title = fields.CharField(max_length=200)
    production_number = fields.CharField(max_length=64)
    advertiser = fields.CharField(max_length=200, required=False, allow_blank=True, default="")
    product_line = fields.CharField(max_length=200, required=False, allow_blank=True, default="")


def project_from(data: dict) -> rules.Project:
    return rules.Project(
        kind=data["kind"],
        title=data["title"].strip(),
        production_number=data["production_number"].strip(),
        advertiser=data.get("advertiser", "").strip(),
        product_line=data.get("product_line", "").strip(),
    )


class DescriptionSerializer(serializers.Serializer):
    """The reasonably specific description: structured, never free text alone."""

    role_or_scenes = fields.CharField(max_length=2000, help_text="The role, or the scenes, the replica appears in.")
    intended_uses = serializers.ListField(child=fields.CharField(max_length=500), max_length=50)
    media = serializers.ListField(child=serializers.ChoiceField(choices=Medium.choices), max_length=len(Medium))
    territory = territory_field(help_text="ISO 3166-1 alpha-2 codes, or WW for worldwide.")
    term_start = fields.DateField()
    term_end = fields.DateField()
    sensitive_content = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitiveFlag.choices),
        required=False,
        default=list,
        max_length=10,
    )
    content_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ContentCategory.choices),
        required=False,
        default=list,
        max_length=20,
    )
    realtime_generation = fields.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Required for games: is real-time generation used?",
    )
    depicts_minor = fields.BooleanField(
        required=False,
        default=False,
        help_text="The replica depicts the performer as a minor (de-aging).",
    )
    future_spots = fields.BooleanField(
        required=False,
        default=False,
        help_text="Commercials: also future spots, same advertiser and line.",
    )
    lifetime_only = fields.BooleanField(
        required=False,
        default=False,
        help_text="The consent ends at the performer's death; the estate never answers for it (rule 2.8).",
    )
    depicted_age = fields.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=120,
        help_text="The age the replica shows the performer at, when not their own (aging or de-aging; rule 2.9).",
    )
    detail = fields.CharField(max_length=4000, required=False, allow_blank=True, default="")


def description_from(data: dict) -> rules.Description:
    return rules.Description(
        role_or_scenes=data["role_or_scenes"].strip(),
        intended_uses=tuple(u.strip() for u in data["intended_uses"]),
        media=tuple(data["media"]),
        territory=tuple(t.upper() for t in data["territory"]),
        term_start=data["term_start"],
        term_end=data["term_end"],
        sensitive_content=tuple(data.get("sensitive_content", ())),
        content_categories=tuple(data.get("content_categories", ())),
        realtime_generation=data.get("realtime_generation"),
        depicts_minor=data.get("depicts_minor", False),
        future_spots=data.get("future_spots", False),
        detail=data.get("detail", ""),
        depicted_age=data.get("depicted_age"),
        lifetime_only=data.get("lifetime_only", False),
    )


class CompensationSerializer(serializers.Serializer):
    amount = fields.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=True)
    currency = fields.RegexField(r"^[A-Z]{3}$", error_messages={"invalid": "Use an ISO 4217 code such as USD."})
    unit = serializers.ChoiceField(choices=CompensationUnit.choices)
    estimated_days = fields.DecimalField(
        max_digits=7,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=Decimal("0.01"),
        default=None,
        help_text="The studio's good-faith estimate of days worked.",
    )
    negotiated_per_use = fields.BooleanField(
        required=False,
        default=False,
        help_text="The price of each use is negotiated then: `amount` is the signed minimum per unit, and each "
        "usage line states its price (refused below the minimum or the agreement's floor).",
    )


def compensation_from(data: dict) -> rules.Compensation:
    return rules.Compensation(
        amount=data["amount"],
        currency=data["currency"],
        unit=data["unit"],
        estimated_days=data.get("estimated_days"),
        negotiated_per_use=data.get("negotiated_per_use", False),
    )


class ConsentRequestCreateSerializer(serializers.Serializer):
    performer = fields.CharField(max_length=64, help_text="Performer public id (prf_…) or union member number.")
    agreement = fields.SlugField(max_length=40, help_text="Agreement code, e.g. tvth-2026.")
    use = serializers.ChoiceField(choices=UseType.choices)
    amends = fields.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        default=None,
        help_text="Grant id this request would amend (a new version on acceptance).",
    )
    project = ProjectSerializer()
    description = DescriptionSerializer()
    compensation = CompensationSerializer()
    scan_at = fields.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Scan time, for replica creation."
    )
    engaged_at = fields.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the performer was engaged, if inside the notice window.",
    )
    business_reason = fields.CharField(max_length=2000, required=False, allow_blank=True, default="")
    replica_origin = serializers.ChoiceField(
        choices=ReplicaOrigin.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Replica uses: employment-based (EBDR, paid by the day-scale formula) or independently created "
        "(ICDR, paid the signed price, not below the agreement's floor). Omitted on a replica use: "
        "employment-based. Signed with the description and carried in the token.",
    )
    replica_source = serializers.ChoiceField(
        choices=ReplicaSource.choices,
        required=False,
        default=ReplicaSource.SCAN_SESSION,
        help_text="Replica creation: a scan session (scan_at, notice) or production footage (dates; rule 2.6).",
    )
    footage_from = fields.DateField(required=False, allow_null=True, default=None, help_text="Footage shot from.")
    footage_to = fields.DateField(required=False, allow_null=True, default=None, help_text="Footage shot until.")


class PartyRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


def _studio_ref(studio) -> dict:
    return {"id": studio.public_id, "name": studio.legal_name}


def _performer_ref(performer) -> dict:
    return {"id": performer.public_id, "name": performer.display_name}


def _project(obj) -> dict:
    return {
        "kind": obj.project_kind,
        "title": obj.project_title,
        "production_number": obj.production_number,
        "advertiser": obj.advertiser,
        "product_line": obj.product_line,
    }


class DescriptionVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="SHA-256 of the canonical JSON of `content`; the signer signs it.")
    content = DescriptionSerializer()


class DeclineInfoSerializer(serializers.Serializer):
    reason = serializers.CharField()
    codes = serializers.ListField(child=serializers.CharField())
    automatic = serializers.BooleanField(help_text="Declined by the performer's standing preferences.")


class PartiesAndProjectMixin:
    """The studio, performer and project of a request or a grant, rendered the same way."""

    @extend_schema_field(PartyRefSerializer)
    def get_studio(self, obj) -> dict:
        return _studio_ref(obj.studio)

    @extend_schema_field(PartyRefSerializer)
    def get_performer(self, obj) -> dict:
        return _performer_ref(obj.performer)

    @extend_schema_field(ProjectSerializer)
    def get_project(self, obj) -> dict:
        return _project(obj)


class ConsentRequestSerializer(PartiesAndProjectMixin, serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    studio = serializers.SerializerMethodField()
    performer = serializers.SerializerMethodField()
    agreement = serializers.CharField(source="agreement.code")
    amends = serializers.CharField(source="amends.public_id", allow_null=True, default=None)
    project = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    compensation = serializers.SerializerMethodField()
    decline = serializers.SerializerMethodField()
    grant = serializers.SerializerMethodField()
    estate_search = serializers.SerializerMethodField()
    held_by_strike = serializers.CharField(
        source="held_by_strike.public_id",
        allow_null=True,
        default=None,
        read_only=True,
        help_text="Made during this strike against the studio: any consent from it is suspended until it is lifted.",
    )

    class Meta:
        model = ConsentRequest
        fields = [
            "id",
            "status",
            "studio",
            "performer",
            "agreement",
            "use",
            "amends",
            "project",
            "description",
            "compensation",
            "replica_origin",
            "scan_at",
            "engaged_at",
            "business_reason",
            "replica_source",
            "footage_from",
            "footage_to",
            "requested_at",
            "expires_at",
            "answered_at",
            "decline",
            "grant",
            "held_by_strike",
            "estate_search",
        ]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_estate_search(self, obj) -> dict | None:
        """Rule 2.8: the diligent search for an estate the union's signature rests on."""
        signature = getattr(obj, "signature", None) if obj.status == RequestStatus.ACCEPTED else None
        search = signature.estate_search if signature is not None else None
        if search is None:
            return None
        return {"searcher": search.searcher, "searched_on": search.searched_on.isoformat(), "steps": search.steps}

    @extend_schema_field(DescriptionVersionSerializer)
    def get_description(self, obj) -> dict:
        versions = sorted(obj.description_versions.all(), key=lambda v: v.version)
        current = versions[-1]
        return {"version": current.version, "sha256": current.sha256, "content": current.content}

    @extend_schema_field(CompensationSerializer)
    def get_compensation(self, obj) -> dict:
        return {
            "amount": str(obj.compensation_amount),
            "currency": obj.compensation_currency,
            "unit": obj.compensation_unit,
            "estimated_days": str(obj.estimated_days) if obj.estimated_days is not None else None,
            "negotiated_per_use": obj.compensation_negotiated_per_use,
        }

    @extend_schema_field(DeclineInfoSerializer(allow_null=True))
    def get_decline(self, obj) -> dict | None:
        if obj.status != RequestStatus.DECLINED:
            return None
        return {
            "reason": obj.decline_reason,
            "codes": obj.decline_codes,
            "automatic": obj.auto_declined,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_grant(self, obj) -> str | None:
        grant = getattr(obj, "grant", None) if obj.status == RequestStatus.ACCEPTED else None
        return grant.public_id if grant else None


class AcceptSerializer(serializers.Serializer):
    description_sha256 = fields.RegexField(
        r"^[0-9a-f]{64}$",
        help_text="The sha256 of the description version you reviewed.",
        error_messages={"invalid": "Give the 64-character hex SHA-256 of the description you reviewed."},
    )
    signer_name = fields.CharField(max_length=200, help_text="Your full name, typed as a signature.")
    attestation_text = fields.CharField(max_length=4000)
    confirm = fields.BooleanField(help_text="Must be true: you confirm you read and accept the description.")
    represented_by = fields.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_confirm(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError("Confirm that you read and accept the description.", code="required")
        return value


class ReasonSerializer(serializers.Serializer):
    reason = fields.CharField(max_length=2000)


class OptionalReasonSerializer(serializers.Serializer):
    reason = fields.CharField(max_length=2000, required=False, allow_blank=True, default="")


class GrantSerializer(PartiesAndProjectMixin, serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    lineage = serializers.CharField(source="lineage_id")
    token_id = serializers.CharField(source="public_id", help_text="The consent token's jti.")
    studio = serializers.SerializerMethodField()
    performer = serializers.SerializerMethodField()
    agreement = serializers.CharField(source="agreement.code")
    request = serializers.CharField(source="request.public_id")
    project = serializers.SerializerMethodField()
    supersedes = serializers.CharField(source="supersedes.public_id", allow_null=True, default=None)
    suspended_by = serializers.SerializerMethodField()

    class Meta:
        model = ConsentGrant
        fields = [
            "id",
            "lineage",
            "version",
            "status",
            "token_id",
            "studio",
            "performer",
            "agreement",
            "request",
            "use",
            "project",
            "media",
            "territory",
            "term_start",
            "term_end",
            "future_spots",
            "ends_at_death",
            "description_sha256",
            "signer_role",
            "activated_at",
            "ended_at",
            "supersedes",
            "suspended_by",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_suspended_by(self, obj) -> list[str]:
        return sorted({s.cause for s in obj.suspensions.all() if s.ended_at is None})


USE_MEDIA_ERRORS = {
    "required": "State the media of the use (rule 2.4).",
    "empty": "State at least one medium of the use (rule 2.4).",
}
USE_TERRITORY_ERRORS = {
    "required": "State the territory of the use (rule 2.4).",
    "empty": "State at least one territory of the use, or WW (rule 2.4).",
}


def use_query_from(data: dict) -> rules.UseQuery:
    """A check's validated body as the rules read it (the fast path and the serializer agree)."""
    return rules.UseQuery(
        use=data["use"],
        project=project_from(data["project"]),
        on=data["on"],
        media=tuple(data["media"]),
        territory=tuple(t.upper() for t in data["territory"]),
        role=data["role"].strip(),
        intended_use=data["intended_use"].strip(),
        sensitive_content=tuple(sorted(set(data["sensitive_content"]))),
        realtime_generation=data["realtime_generation"],
    )


class ConsentCheckSerializer(serializers.Serializer):
    performer = fields.CharField(max_length=64, help_text="Performer public id or union member number.")
    use = serializers.ChoiceField(choices=UseType.choices)
    project = ProjectSerializer()
    on = fields.DateField(
        required=False,
        default=None,
        allow_null=True,
        help_text="Date of use; default today. Past dates answer as of that date.",
    )
    # Rule 2.4: a use states what it is; media and territory are required, and compared with
    # the signed description like the rest (an empty list used to count as covered).
    media = serializers.ListField(
        child=serializers.ChoiceField(choices=Medium.choices),
        max_length=len(Medium),
        min_length=1,  # the schema says so (minItems); allow_empty words the error
        allow_empty=False,
        error_messages=USE_MEDIA_ERRORS,
        help_text="The media and platforms of the use (at least one).",
    )
    territory = territory_field(
        min_length=1,
        allow_empty=False,
        error_messages=USE_TERRITORY_ERRORS,
        help_text="Where the use is shown: ISO 3166-1 alpha-2 codes, or WW (at least one).",
    )
    role = fields.CharField(
        max_length=limits.USE_ROLE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="The role or scene of the use; it must appear in the signed role or scenes.",
    )
    intended_use = fields.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="One of the signed description's intended uses, in its words.",
    )
    sensitive_content = serializers.ListField(
        child=serializers.ChoiceField(choices=SensitiveFlag.choices),
        required=False,
        default=list,
        max_length=len(SensitiveFlag),
        help_text="Sensitive content the use shows; each must be flagged in the signed description.",
    )
    realtime_generation = fields.BooleanField(
        required=False, default=False, help_text="The use drives live, unscripted output."
    )
    alteration_exemption = serializers.ChoiceField(
        choices=AlterationExemption.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="A digital alteration claimed exempt (DOMAIN.md 2.7); name the agreement and say why.",
    )
    agreement = fields.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        default=None,
        help_text="With alteration_exemption: the agreement whose exempt categories apply (its code).",
    )
    exemption_justification = fields.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="With alteration_exemption: why no consent is needed.",
    )
    record = fields.BooleanField(
        required=False,
        default=False,
        help_text="Write this check to the audit trail and return a receipt.",
    )

    def validate_on(self, value: dt.date | None) -> dt.date:
        return value or timezone.localdate()


_USES, _KINDS, _MEDIA = frozenset(UseType.values), frozenset(ProjectKind.values), frozenset(Medium.values)
_FLAGS = frozenset(SensitiveFlag.values)


def _plain_text(value, max_length: int, *, allow_blank: bool = False) -> str | None:
    if not isinstance(value, str) or len(value) > max_length or limits.text_fault(value) is not None:
        return None
    value = value.strip()
    return value if value or allow_blank else None


def check_body_fast(data) -> dict | None:
    """`ConsentCheckSerializer`'s validated data for a plainly well-formed body, or None to let the
    serializer decide (and word any error).

    Why: the check is the endpoint studios call most, and DRF's field-by-field validation is a
    fifth of its cost. This accepts only what the serializer accepts, giving the same data (a
    property test holds it to that); anything unusual takes the serializer's path.
    """
    if type(data) is not dict:  # a parsed JSON object; form bodies (QueryDict) take the long way
        return None
    performer = _plain_text(data.get("performer"), 64)
    use = data.get("use")
    project = data.get("project")
    if performer is None or not isinstance(use, str) or use not in _USES or not isinstance(project, dict):
        return None
    kind = project.get("kind")
    title = _plain_text(project.get("title"), 200)
    number = _plain_text(project.get("production_number"), 64)
    advertiser = _plain_text(project.get("advertiser", ""), 200, allow_blank=True)
    product_line = _plain_text(project.get("product_line", ""), 200, allow_blank=True)
    if not isinstance(kind, str) or kind not in _KINDS or None in (title, number, advertiser, product_line):
        return None
    on = data.get("on")
    if on is None:
        on = timezone.localdate()
    else:
        try:
            on = limits.parse_date(on)
        except limits.InputFault:
            return None
    media = data.get("media")
    territory = data.get("territory")
    if (
        not isinstance(media, list)
        or not media
        or len(media) > len(Medium)
        or not all(isinstance(m, str) and m in _MEDIA for m in media)
    ):
        return None
    if (
        not isinstance(territory, list)
        or not territory
        or len(territory) > 250
        or not all(isinstance(t, str) and len(t) == 2 and t.isascii() and t.isalpha() for t in territory)
    ):
        return None
    if data.get("alteration_exemption") is not None:
        return None  # a claimed exemption (rare) takes the serializer's path, with its own rules
    record = data.get("record", False)
    realtime = data.get("realtime_generation", False)
    if not isinstance(record, bool) or not isinstance(realtime, bool):
        return None
    role = _plain_text(data.get("role", ""), limits.USE_ROLE_MAX, allow_blank=True)
    intended_use = _plain_text(data.get("intended_use", ""), 500, allow_blank=True)
    flags = data.get("sensitive_content", [])
    if (
        role is None
        or intended_use is None
        or not isinstance(flags, list)
        or len(flags) > len(SensitiveFlag)
        or not all(isinstance(f, str) and f in _FLAGS for f in flags)
    ):
        return None
    return {
        "performer": performer,
        "use": use,
        "project": {
            "kind": kind,
            "title": title,
            "production_number": number,
            "advertiser": advertiser,
            "product_line": product_line,
        },
        "on": on,
        "media": list(media),
        "territory": list(territory),
        "role": role,
        "intended_use": intended_use,
        "sensitive_content": list(flags),
        "realtime_generation": realtime,
        "alteration_exemption": None,
        "agreement": None,
        "exemption_justification": "",
        "record": record,
    }


class CheckReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=CheckReasonCode.values)
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    grant = serializers.CharField(allow_null=True)


class ConsentCheckResultSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    grant = serializers.CharField(allow_null=True)
    token_id = serializers.CharField(allow_null=True)
    on = serializers.DateField()
    exemption = serializers.CharField(allow_null=True)
    reasons = CheckReasonSerializer(many=True)
    receipt = serializers.IntegerField(allow_null=True, help_text="Audit event id when `record` was true.")


class PreferencesSerializer(serializers.ModelSerializer):
    performer = serializers.CharField(source="performer.public_id", read_only=True)
    do_not_train = fields.BooleanField(required=False, default=False)
    opt_out_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=ContentCategory.choices),
        required=False,
        default=list,
        max_length=len(ContentCategory),
    )
    declined_uses = serializers.ListField(
        child=serializers.ChoiceField(choices=UseType.choices),
        required=False,
        default=list,
        max_length=len(UseType),
    )
    rate_floor_amount = fields.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal("0.01"),
    )
    rate_floor_currency = fields.RegexField(r"^([A-Z]{3})?$", required=False, allow_blank=True, default="")
    rate_floor_unit = serializers.ChoiceField(
        choices=CompensationUnit.choices, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = PerformerPreferences
        fields = [
            "performer",
            "do_not_train",
            "opt_out_categories",
            "declined_uses",
            "rate_floor_amount",
            "rate_floor_currency",
            "rate_floor_unit",
            "updated_at",
        ]
        read_only_fields = ["performer", "updated_at"]


class StrikeSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    agreement = serializers.CharField(source="agreement.code")
    studios = serializers.SerializerMethodField()
    in_force = serializers.BooleanField(source="is_in_force")

    class Meta:
        model = Strike
        fields = [
            "id",
            "agreement",
            "studios",
            "reason",
            "starts_at",
            "declared_at",
            "applied_at",
            "lifted_at",
            "in_force",
        ]

    @extend_schema_field(PartyRefSerializer(many=True))
    def get_studios(self, obj) -> list[dict]:
        return [_studio_ref(s) for s in obj.studios.all()]


class CheckRecordSerializer(serializers.ModelSerializer):
    """A consent check kept as evidence (DOMAIN.md 2.14)."""

    id = serializers.IntegerField(read_only=True)
    studio = serializers.CharField(source="studio.public_id")
    studio_name = serializers.CharField(source="studio.legal_name")
    performer = serializers.CharField(source="performer.public_id")
    grant = serializers.CharField(source="grant_ref", allow_blank=True)
    statement = serializers.JSONField(help_text="The use as stated: media, territory, role, intended use, ...")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="code, or code:field")

    class Meta:
        model = ConsentCheckRecord
        fields = [
            "id",
            "checked_at",
            "studio",
            "studio_name",
            "performer",
            "use",
            "project_kind",
            "production_number",
            "on",
            "statement",
            "allowed",
            "grant",
            "reasons",
            "receipt",
        ]


class EstateSearchInputSerializer(serializers.Serializer):
    """A diligent search for a deceased performer's estate (DOMAIN.md 2.8)."""

    searcher = fields.CharField(max_length=200, help_text="Who searched.")
    searched_on = fields.DateField(help_text="When the search ended.")
    steps = fields.CharField(max_length=4000, help_text="What was tried: probate records, relatives, former agents.")


class EstateSearchSerializer(serializers.ModelSerializer):
    performer = serializers.CharField(source="performer.public_id")

    class Meta:
        model = EstateSearch
        fields = ["id", "performer", "searcher", "searched_on", "steps", "recorded_at", "recorded_by"]


class DeathRecordSerializer(serializers.Serializer):
    date_of_death = fields.DateField(help_text="As the death certificate gives it.")
