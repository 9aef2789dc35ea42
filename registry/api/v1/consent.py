"""Consent endpoints: requests and answers, grants and their status, checks, preferences, strikes.

Views parse, call one service or selector, and render. Who sees what is decided by the
selectors (`*_visible_to(caller)`), so a list cannot leak another party's rows.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from registry.api.parsers import json_object_from, raw_json_body
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.consent import (
    AcceptSerializer,
    CheckRecordSerializer,
    ConsentCheckResultSerializer,
    ConsentCheckSerializer,
    ConsentRequestCreateSerializer,
    ConsentRequestSerializer,
    DeathRecordSerializer,
    EstateSearchInputSerializer,
    EstateSearchSerializer,
    GrantSerializer,
    OptionalReasonSerializer,
    PreferencesSerializer,
    ReasonSerializer,
    StrikeSerializer,
    check_body_fast,
    compensation_from,
    description_from,
    project_from,
    use_query_from,
)
from registry.consent import check_log, rules, selectors, services
from registry.core import collector
from registry.core.addresses import client_address
from registry.core.errors import FieldProblem, NotPermittedError, RuleViolationError, problems_summary
from registry.core.replica import replica_reads
from registry.core.vocabulary.consent import CompensationUnit, Medium, ProjectKind, ReplicaOrigin, UseType
from registry.core.vocabulary.parties import ApiScope
from registry.parties import services as parties_services
from registry.parties.models import EstateSearch, Performer
from registry.terms.models import Agreement

EVERYONE = {"studio", "performer_side", "staff"}
PERFORMER_SIDE = {"performer_side"}

REQUEST_EXAMPLE = {
    "performer": "SAG-100001",
    "agreement": "tvth-2026",
    "use": UseType.REPLICA_USE,
    "project": {"kind": ProjectKind.PICTURE, "title": "The Long Night", "production_number": "NLP-2027-004"},
    "description": {
        "role_or_scenes": "Detective Ana Reyes, the rooftop chase in scenes 41-44",
        "intended_uses": ["Replica performs the rooftop stunt sequence in place of a stunt double"],
        "media": [Medium.THEATRICAL, Medium.STREAMING],
        "territory": ["WW"],
        "term_start": "2027-01-15",
        "term_end": "2029-01-14",
        "sensitive_content": [],
        "content_categories": [],
        "detail": "Face and body replica from the November scan; no dialogue changes.",
    },
    "compensation": {"amount": "1283.00", "currency": "USD", "unit": CompensationUnit.DAY, "estimated_days": "3"},
    "replica_origin": ReplicaOrigin.EMPLOYMENT_BASED,
}


def _filter_params(*names: str) -> list[OpenApiParameter]:
    return [OpenApiParameter(n, str, required=False) for n in names]


def _rule_error(field: str, code: str, message: str) -> RuleViolationError:
    return RuleViolationError(f"{field}: {message}", problems=[FieldProblem(field, code, message)])


# --- Requests ---------------------------------------------------------------------------------
class ConsentRequestListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": EVERYONE, "POST": {"studio"}}
    studio_scopes = {"GET": ApiScope.CONSENT_READ, "POST": ApiScope.CONSENT_WRITE}
    serializer_class = ConsentRequestSerializer

    def get_queryset(self):
        qs = selectors.consent_requests_visible_to(get_caller(self.request))
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("use"):
            qs = qs.filter(use=params["use"])
        if params.get("performer"):
            qs = qs.filter(performer__public_id=params["performer"])
        if params.get("production_number"):
            qs = qs.filter(production_number=params["production_number"])
        return qs

    @extend_schema(
        summary="List consent requests",
        description="Studios see their own, performers and representatives theirs, staff all.",
        parameters=_filter_params("status", "use", "performer", "production_number"),
        tags=["consent requests"],
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Request consent",
        description=(
            "Ask a performer for consent to one use in one project, with a reasonably specific "
            "description. Requests that break a consent rule are refused with 422 and an `errors` "
            "entry naming the field and the rule; requests that conflict with the performer's standing "
            "preferences are stored and declined at once (status `declined`, `decline.automatic`)."
        ),
        request=ConsentRequestCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: ConsentRequestSerializer, 422: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        examples=[OpenApiExample("Replica use in a picture", value=REQUEST_EXAMPLE, request_only=True)],
        tags=["consent requests"],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        caller = get_caller(request)
        body = ConsentRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        performer = selectors.performer_by_reference(data["performer"])
        if performer is None:
            raise _rule_error("performer", "unknown_performer", "No performer has this id or member number.")
        agreement = Agreement.objects.filter(code=data["agreement"]).first()
        if agreement is None:
            raise _rule_error(
                "agreement",
                "unknown_agreement",
                f"No agreement has the code {data['agreement']!r}.",
            )
        amends = None
        if data["amends"]:
            amends = selectors.grants_visible_to(caller).filter(public_id=data["amends"]).first()
            if amends is None:
                raise _rule_error("amends", "unknown_grant", "None of your grants has this id.")
        new = services.NewRequest(
            studio=caller.studio,
            performer=performer,
            agreement=agreement,
            use=data["use"],
            project=project_from(data["project"]),
            description=description_from(data["description"]),
            compensation=compensation_from(data["compensation"]),
            scan_at=data["scan_at"],
            engaged_at=data["engaged_at"],
            business_reason=data["business_reason"].strip(),
            replica_source=data["replica_source"],
            footage_from=data["footage_from"],
            footage_to=data["footage_to"],
            amends=amends,
            replica_origin=data["replica_origin"],
        )
        consent_request = services.consent_request_create(new=new, actor=caller.actor())
        consent_request = selectors.consent_requests_visible_to(caller).get(pk=consent_request.pk)
        return Response(ConsentRequestSerializer(consent_request).data, status=status.HTTP_201_CREATED)


class ConsentRequestDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": EVERYONE}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}
    serializer_class = ConsentRequestSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "request_id"

    def get_queryset(self):
        return selectors.consent_requests_visible_to(get_caller(self.request))

    @extend_schema(
        summary="A consent request",
        tags=["consent requests"],
        responses={200: ConsentRequestSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _RequestAnswerView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": PERFORMER_SIDE}

    def get_request(self, request_id: str):
        caller = get_caller(self.request)
        return get_object_or_404(selectors.consent_requests_visible_to(caller), public_id=request_id)

    def respond(self, consent_request):
        fresh = selectors.consent_requests_visible_to(get_caller(self.request)).get(pk=consent_request.pk)
        return Response(ConsentRequestSerializer(fresh).data)


class ConsentRequestAcceptView(_RequestAnswerView):
    # The union signs only for a deceased performer with no estate; signer_for enforces it.
    access = {"POST": {"performer_side", "staff"}}

    @extend_schema(
        summary="Accept and sign",
        description=(
            "The performer, or someone authorised to act for them, signs the description version they "
            "reviewed (its sha256). The signer's role is established from who is signed in, never from "
            "the body. Union staff sign only for a deceased performer with no estate on record."
        ),
        request=AcceptSerializer,
        responses={200: ConsentRequestSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=["consent requests"],
    )
    def post(self, request, request_id: str):
        caller = get_caller(request)
        if caller.is_staff and not caller.is_union_admin:
            raise NotPermittedError("Union analysts cannot sign.")
        consent_request = self.get_request(request_id)
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        signer = services.signer_for(
            user=request.user,
            performer=consent_request.performer,
            is_union_admin=caller.is_union_admin,
            name=data["signer_name"].strip(),
            on=timezone.localdate(),
        )
        services.consent_request_accept(
            request=consent_request,
            signer=signer,
            description_sha256=data["description_sha256"],
            attestation_text=data["attestation_text"],
            represented_by=data["represented_by"],
            actor=caller.actor(on_behalf_of=consent_request.performer),
            client_ip=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return self.respond(consent_request)


class ConsentRequestDeclineView(_RequestAnswerView):
    @extend_schema(
        summary="Decline",
        request=ReasonSerializer,
        responses={200: ConsentRequestSerializer, **PROBLEM_RESPONSES},
        tags=["consent requests"],
    )
    def post(self, request, request_id: str):
        consent_request = self.get_request(request_id)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.consent_request_decline(
            request=consent_request, reason=body.validated_data["reason"], acting_user=request.user
        )
        return self.respond(consent_request)


# --- Grants -----------------------------------------------------------------------------------
def _grants(caller):
    return selectors.grants_visible_to(caller).select_related("request").prefetch_related("suspensions")


class GrantListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": EVERYONE}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}
    serializer_class = GrantSerializer

    def get_queryset(self):
        qs = _grants(get_caller(self.request))
        params = self.request.query_params
        for param, field in (
            ("status", "status"),
            ("use", "use"),
            ("performer", "performer__public_id"),
            ("lineage", "lineage_id"),
            ("production_number", "production_number"),
        ):
            if params.get(param):
                qs = qs.filter(**{field: params[param]})
        return qs

    @extend_schema(
        summary="List grants",
        tags=["grants"],
        parameters=_filter_params("status", "use", "performer", "lineage", "production_number"),
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class GrantDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": EVERYONE}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}
    serializer_class = GrantSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "grant_id"

    def get_queryset(self):
        return _grants(get_caller(self.request))

    @extend_schema(
        summary="A grant (one version of a consent)",
        tags=["grants"],
        responses={200: GrantSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _grant_action_view(name: str, summary: str, body_serializer, act):
    """A performer-side action on a grant: parse the body, call `act(grant, user, data)` (the
    service decides whether the user may act for the performer today), answer with the grant
    as it now stands."""

    class GrantActionView(APIView):
        permission_classes = [CallerAccess]
        access = {"POST": PERFORMER_SIDE}

        @extend_schema(
            summary=summary,
            request=body_serializer,
            responses={200: GrantSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
            tags=["grants"],
        )
        def post(self, request, grant_id: str):
            caller = get_caller(request)
            grant = get_object_or_404(_grants(caller), public_id=grant_id)
            body = body_serializer(data=request.data)
            body.is_valid(raise_exception=True)
            act(grant, request.user, body.validated_data)
            return Response(GrantSerializer(_grants(caller).get(pk=grant.pk)).data)

    GrantActionView.__name__ = GrantActionView.__qualname__ = name
    return GrantActionView


GrantRevokeView = _grant_action_view(
    "GrantRevokeView",
    "Revoke consent for future use",
    ReasonSerializer,
    lambda grant, user, data: services.grant_revoke(grant=grant, reason=data["reason"], acting_user=user),
)
GrantSuspendView = _grant_action_view(
    "GrantSuspendView",
    "Suspend consent until resumed",
    OptionalReasonSerializer,
    lambda grant, user, data: services.grant_suspend(grant=grant, reason=data["reason"], acting_user=user),
)
GrantResumeView = _grant_action_view(
    "GrantResumeView",
    "Resume a consent the performer suspended",
    OptionalReasonSerializer,
    lambda grant, user, data: services.grant_resume(grant=grant, acting_user=user),
)


# --- Checks -----------------------------------------------------------------------------------
class ConsentCheckView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": {"studio"}}
    studio_scopes = {"POST": ApiScope.CONSENT_READ}

    @extend_schema(
        summary="Check whether a use is covered",
        description=(
            "Answers whether the calling studio's grants cover this use, as things stood on `on` "
            "(default today; history is kept, so a past date answers as of the end of that day). "
            "`reasons` says why not: no_grant, outside_scope (with the field), not_yet_in_term, expired, "
            "revoked, suspended_by_strike, suspended_by_performer, preference. A use states its media "
            "and territory (required), and may state its role or scene and intended use; sensitive "
            "content and real-time generation it involves must be stated: each is compared with the "
            "signed description (DOMAIN.md 2.4). Every check is kept as evidence (2.14) that staff and the "
            "performer can read; with `record: true` it is also written to the audit trail and `receipt` "
            "is its event id."
        ),
        request=ConsentCheckSerializer,
        responses={200: ConsentCheckResultSerializer, **PROBLEM_RESPONSES},
        tags=["consent checks"],
    )
    @replica_reads
    def post(self, request):
        # The busiest call: its few thousand objects die by reference counting, and the cyclic
        # collector's scans of them cost more than its rules (registry/core/collector.py).
        with collector.paused():
            return self._check(request)

    def _check(self, request):
        caller = get_caller(request)
        # A plainly well-formed body is read from its bytes and checked field by field in a few
        # microseconds; anything else goes through DRF's parser and the serializer, which word errors.
        raw = raw_json_body(request)
        body = json_object_from(raw) if raw is not None else None
        data = check_body_fast(body) if body is not None else None
        if data is None:
            # One bound serializer serves every check: validating holds no state in it, and
            # binding a fresh one (DRF deep-copies its fields) costs more than the rest of a check.
            data = _CHECK_BODY.run_validation(request.data)
        query = use_query_from(data)
        found = selectors.consent_check_by_reference(
            studio_id=caller.studio.pk,
            performer_reference=data["performer"],
            query=query,
            claim=_exemption_claim(caller.studio, data, query),
        )
        if found is None:
            raise _rule_error("performer", "unknown_performer", "No performer has this id or member number.")
        performer, outcome = found
        receipt = None
        if data["record"]:
            receipt = services.consent_check_record(
                studio=caller.studio,
                performer_public_id=performer.public_id,
                query=query,
                outcome=outcome,
                actor=caller.actor(),
            )
        # Rule 2.14: every check is kept as evidence, in bulk (the receipt, when asked, too).
        check_log.check_log_append(
            studio_id=caller.studio.pk,
            performer_id=performer.pk,
            query=query,
            outcome=outcome,
            receipt=receipt,
            justification=data["exemption_justification"],
        )
        return Response(
            {
                "allowed": outcome.allowed,
                "grant": outcome.grant_id,
                "token_id": outcome.grant_id,
                "on": query.on.isoformat(),
                "exemption": outcome.exemption,
                "reasons": [
                    {"code": r.code, "field": r.field, "message": r.message, "grant": r.grant_id}
                    for r in outcome.reasons
                ],
                "receipt": receipt,
            }
        )


_CHECK_BODY = ConsentCheckSerializer()


def _exemption_claim(studio, data: dict, query: rules.UseQuery) -> rules.ExemptionClaim | None:
    """Rule 2.7: a claimed exemption, weighed against the named agreement's exempt categories
    and any strike against the studio under it on the date of use."""
    if not data["alteration_exemption"]:
        return None
    # What the schema cannot say (required only with a claim) is a 422, as every rule the body breaks.
    missing = []
    if not data["agreement"]:
        missing.append(
            FieldProblem("agreement", "required", "Name the agreement whose exemption you claim (its code).")
        )
    if not data["exemption_justification"]:
        missing.append(
            FieldProblem("exemption_justification", "required", "Say briefly why the alteration is exempt.")
        )
    if missing:
        raise RuleViolationError(problems_summary(missing), problems=missing)
    agreement = studio.agreements.filter(code=data["agreement"]).first()
    if agreement is None:
        raise _rule_error(
            "agreement", "studio_not_signatory", "You are not a signatory to an agreement with this code."
        )
    as_of = selectors.as_of_moment(query.on, timezone.now())
    struck = selectors.strikes_in_force(as_of).filter(agreement=agreement, studios=studio).exists()
    return rules.ExemptionClaim(
        category=data["alteration_exemption"], allowed=frozenset(agreement.alteration_exemptions), struck=struck
    )


class CheckRecordListView(generics.ListAPIView):
    """Rule 2.14: which studio checked what, and when (written in bulk a few seconds after)."""

    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}
    serializer_class = CheckRecordSerializer

    def get_queryset(self):
        qs = selectors.check_records_visible_to(get_caller(self.request))
        performer = self.request.query_params.get("performer")
        if performer:
            qs = qs.filter(performer__public_id=performer)
        return qs

    @extend_schema(
        summary="Consent checks kept as evidence",
        description=(
            "Every consent check, newest first (DOMAIN.md 2.14): staff see all, a studio its own checks, a "
            "performer the checks about them. Checks reach this list in bulk, a few seconds after they are "
            "made; a check made with `record: true` also has its audit event (`receipt`)."
        ),
        parameters=[OpenApiParameter("performer", str, description="A performer's public id")],
        tags=["consent checks"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Preferences ------------------------------------------------------------------------------
class PreferencesView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"performer_side", "staff"}, "PUT": PERFORMER_SIDE}

    def get_performer(self, performer_id: str) -> Performer:
        caller = get_caller(self.request)
        performer = get_object_or_404(Performer, public_id=performer_id)
        if not (caller.is_staff or caller.may_view(performer)):
            # 404, not 403: whether a performer exists is not another performer's business.
            raise Http404("No such performer.")
        return performer

    @extend_schema(
        summary="A performer's standing preferences",
        tags=["preferences"],
        responses={200: PreferencesSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, performer_id: str):
        performer = self.get_performer(performer_id)
        return Response(PreferencesSerializer(selectors.preferences_of(performer)).data)

    @extend_schema(
        summary="Replace the standing preferences",
        tags=["preferences"],
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **PROBLEM_RESPONSES},
    )
    def put(self, request, performer_id: str):
        performer = self.get_performer(performer_id)
        body = PreferencesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        prefs = services.preferences_update(
            performer=performer,
            acting_user=request.user,
            do_not_train=data.get("do_not_train", False),
            opt_out_categories=data["opt_out_categories"],
            declined_uses=data["declined_uses"],
            rate_floor_amount=data["rate_floor_amount"],
            rate_floor_currency=data["rate_floor_currency"],
            rate_floor_unit=data["rate_floor_unit"],
        )
        return Response(PreferencesSerializer(prefs).data)


# --- Estate searches (DOMAIN.md 2.8) ----------------------------------------------------------
class EstateSearchListCreateView(generics.ListAPIView):
    """Staff record a diligent search for a deceased performer's estate; the union signs for them
    only once one is on record. Union admins record; staff read."""

    permission_classes = [CallerAccess]
    access = {"GET": {"staff"}, "POST": {"staff"}}
    serializer_class = EstateSearchSerializer

    def get_performer(self) -> Performer:
        return get_object_or_404(Performer, public_id=self.kwargs["performer_id"])

    def get_queryset(self):
        return EstateSearch.objects.filter(performer=self.get_performer()).select_related("performer").order_by("-id")

    @extend_schema(summary="Diligent searches for a deceased performer's estate", tags=["performers"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a diligent search for an estate",
        description="Who searched, when, and what was tried. Union admins only; 422 when the performer is "
        "not recorded as deceased, the date is before the death or in the future, or the steps are too short.",
        request=EstateSearchInputSerializer,
        responses={201: EstateSearchSerializer, **PROBLEM_RESPONSES},
        tags=["performers"],
    )
    def post(self, request, *args, **kwargs):
        caller = get_caller(request)
        if not caller.is_union_admin:
            raise NotPermittedError("Only union admins record a search for an estate.")
        performer = self.get_performer()
        body = EstateSearchInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        search = parties_services.estate_search_record(
            performer=performer,
            searcher=data["searcher"],
            searched_on=data["searched_on"],
            steps=data["steps"],
            actor=caller.actor(),
        )
        return Response(EstateSearchSerializer(search).data, status=status.HTTP_201_CREATED)


class PerformerDeathView(APIView):
    """Union admins record a performer's death (DOMAIN.md 2.8): consents limited to the
    performer's lifetime end at once (token status, webhook); the rest pass to the estate."""

    permission_classes = [CallerAccess]
    access = {"POST": {"staff"}}

    @extend_schema(
        summary="Record a performer's death",
        request=DeathRecordSerializer,
        responses={200: GrantSerializer(many=True), **PROBLEM_RESPONSES},
        tags=["performers"],
    )
    def post(self, request, performer_id: str):
        caller = get_caller(request)
        if not caller.is_union_admin:
            raise NotPermittedError("Only union admins record a performer's death.")
        performer = get_object_or_404(Performer, public_id=performer_id)
        body = DeathRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ended = services.performer_death_record(
            performer=performer, date_of_death=body.validated_data["date_of_death"], actor=caller.actor()
        )
        grants = selectors.grants_visible_to(caller).filter(pk__in=[g.pk for g in ended]).order_by("pk")
        return Response(GrantSerializer(grants, many=True).data)


# --- Strikes ----------------------------------------------------------------------------------
class StrikeListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}
    serializer_class = StrikeSerializer

    def get_queryset(self):
        return selectors.strikes_visible_to(get_caller(self.request)).order_by("-id")

    @extend_schema(summary="Strikes (staff: all; studios: those against them)", tags=["strikes"])
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
