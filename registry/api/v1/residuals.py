"""Residuals endpoints: studios register titles with casts, report viewing and record AI training
licences; everyone reads the decisions and distributions that concern them; performers read
their earnings; staff read everything and model a past year's bonuses under other terms."""

from __future__ import annotations

import re
from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import params
from registry.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.residuals import (
    BonusDistributionSerializer,
    EarningsSerializer,
    TitleInputSerializer,
    TitleSerializer,
    TrainingLicenceInputSerializer,
    TrainingLicenceSerializer,
    ViewingReportInputSerializer,
    ViewingReportSerializer,
    WhatIfSerializer,
)
from registry.core import limits
from registry.core.errors import FieldProblem, InvalidInputError, NotFoundError
from registry.core.vocabulary.consent import ProjectKind
from registry.core.vocabulary.parties import ApiScope
from registry.parties.models import Performer
from registry.residuals import selectors, services

STUDIO_ONLY = {"studio"}
TAGS = ["residuals"]

TITLE_EXAMPLE = {
    "project": {"kind": ProjectKind.SERIES, "title": "Harbour Lights", "production_number": "HL-S1"},
    "agreement": "tvth-2026",
    "streaming_service": "Streamline+",
    "release_date": "2026-08-01",
    "runtime_minutes": 480,
    "high_budget_svod": True,
    "cast": [
        {"performer": "SAG-1", "residual_base": "4326.00", "role": "Captain Ines Moreau"},
        {"performer": "SAG-2", "residual_base": "1246.00", "role": "Harbour master"},
    ],
}


def _own_title(request, title_id: str):
    title = selectors.titles_visible_to(get_caller(request)).filter(public_id=title_id).first()
    if title is None:
        raise NotFoundError(f"You have no title with id {title_id}.")
    return title


def _filtered(qs, params, filters: dict[str, str]):
    for param, lookup in filters.items():
        if params.get(param):
            qs = qs.filter(**{lookup: params[param]})
    return qs


# --- Titles -----------------------------------------------------------------------------------
class TitleListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}, "POST": STUDIO_ONLY}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE, "POST": ApiScope.USAGE_WRITE}
    serializer_class = TitleSerializer

    def get_queryset(self):
        qs = selectors.titles_visible_to(get_caller(self.request))
        return _filtered(qs, self.request.query_params, {"production_number": "production_number"}).order_by("-id")

    @extend_schema(
        summary="Titles (studio: own; staff: all)", tags=TAGS, parameters=[OpenApiParameter("production_number", str)]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a title with its cast",
        description="A picture or series season on a streaming service, with each cast member's fixed residual "
        "base (the streaming success bonus and training licence shares are pro rata to it). Refused whole "
        "(400, `errors` naming each field, nothing stored) for a zero runtime, an empty cast, an unknown or "
        "repeated performer, a residual base of zero, an agreement the studio has not signed; 409 when the "
        "production number is already registered.",
        request=TitleInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: TitleSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        examples=[OpenApiExample("A series season", value=TITLE_EXAMPLE, request_only=True)],
        tags=TAGS,
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        caller = get_caller(request)
        body = TitleInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        title = services.title_register(studio=caller.studio, new=body.to_new_title(), actor=caller.actor())
        title = selectors.titles_visible_to(caller).get(pk=title.pk)
        return Response(TitleSerializer(title).data, status=status.HTTP_201_CREATED)


class TitleDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = TitleSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "title_id"

    def get_queryset(self):
        return selectors.titles_visible_to(get_caller(self.request))

    @extend_schema(summary="A title and its cast", tags=TAGS, responses={200: TitleSerializer, **PROBLEM_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Viewing reports and qualification decisions --------------------------------------------
class TitleViewingReportCreateView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": STUDIO_ONLY}
    studio_scopes = {"POST": ApiScope.USAGE_WRITE}

    @extend_schema(
        summary="Report viewing for an exhibition year: the registry decides qualification",
        description="Views = hours streamed ÷ runtime. The title qualifies when views reach the agreement's "
        "threshold (20% of domestic subscribers by default) in the window (the first 90 days of the "
        "exhibition year). A qualifying report bills the bonus and distributes it (`distribution`); a "
        "title qualifies at most once per exhibition year, so later reports for a paid year are "
        "`already_qualified` and pay nothing. Each report is the cumulative figure for the window.",
        request=ViewingReportInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: ViewingReportSerializer, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, title_id: str):
        caller = get_caller(request)
        title = _own_title(request, title_id)
        body = ViewingReportInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.viewing_report_submit(title=title, report=body.to_new_report(), actor=caller.actor())
        report = selectors.viewing_reports_visible_to(caller).get(pk=report.pk)
        return Response(ViewingReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ViewingReportListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = ViewingReportSerializer

    def get_queryset(self):
        qs = selectors.viewing_reports_visible_to(get_caller(self.request))
        filters = {"title": "title__public_id", "exhibition_year": "exhibition_year", "outcome": "outcome"}
        query = self.request.query_params
        if "exhibition_year" in query:
            params.whole_number(query, "exhibition_year", 1, 100)
        return _filtered(qs, query, filters).order_by("-id")

    @extend_schema(
        summary="Viewing reports and their qualification decisions, with every input",
        tags=TAGS,
        parameters=[
            OpenApiParameter("title", str),
            params.whole_number_parameter("exhibition_year", 1, 100, required=False),
            OpenApiParameter("outcome", str),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ViewingReportDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = ViewingReportSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "report_id"

    def get_queryset(self):
        return selectors.viewing_reports_visible_to(get_caller(self.request))

    @extend_schema(
        summary="A viewing report and its decision",
        tags=TAGS,
        responses={200: ViewingReportSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Bonus distributions ----------------------------------------------------------------------
class BonusDistributionListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}
    serializer_class = BonusDistributionSerializer

    def get_queryset(self):
        qs = selectors.bonus_distributions_visible_to(get_caller(self.request))
        return _filtered(qs, self.request.query_params, {"title": "title__public_id"}).order_by("-id")

    @extend_schema(
        summary="Streaming success bonus distributions (performer side: those paying them, their share only)",
        tags=TAGS,
        parameters=[OpenApiParameter("title", str)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BonusDistributionDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.BILLING_READ}
    serializer_class = BonusDistributionSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "distribution_id"

    def get_queryset(self):
        return selectors.bonus_distributions_visible_to(get_caller(self.request))

    @extend_schema(
        summary="A bonus distribution: inputs, split and ledger entry",
        tags=TAGS,
        responses={200: BonusDistributionSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Training licences ------------------------------------------------------------------------
class TitleTrainingLicenceCreateView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": STUDIO_ONLY}
    studio_scopes = {"POST": ApiScope.USAGE_WRITE}

    @extend_schema(
        summary="Record a licence of the title's media to a third party for AI training",
        description="Each cast member needs a training grant with your studio for this title that names the "
        "licensee and covers the licence term (or the union's consent, where the agreement gives the union "
        "that role). The registry opens a union notice case, a violation case for each performer without "
        "consent, and pays the cast's share of the fee (the agreement's term) pro rata to residual base. "
        "409 when the same licence (licensee and start date) is already recorded.",
        request=TrainingLicenceInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: TrainingLicenceSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, title_id: str):
        caller = get_caller(request)
        title = _own_title(request, title_id)
        body = TrainingLicenceInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        licence = services.training_licence_record(title=title, licence=body.to_new_licence(), actor=caller.actor())
        licence = selectors.training_licences_visible_to(caller).get(pk=licence.pk)
        return Response(
            TrainingLicenceSerializer(licence, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class TrainingLicenceListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = TrainingLicenceSerializer

    def get_queryset(self):
        qs = selectors.training_licences_visible_to(get_caller(self.request))
        return _filtered(qs, self.request.query_params, {"title": "title__public_id"}).order_by("-id")

    @extend_schema(
        summary="AI training licences (performer side: those of titles they are in, their share only)",
        tags=TAGS,
        parameters=[OpenApiParameter("title", str)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TrainingLicenceDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = TrainingLicenceSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "licence_id"

    def get_queryset(self):
        return selectors.training_licences_visible_to(get_caller(self.request))

    @extend_schema(
        summary="An AI training licence: consent findings, cases and shares",
        tags=TAGS,
        responses={200: TrainingLicenceSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Earnings and the what-if -----------------------------------------------------------------
class PerformerEarningsView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"performer_side", "staff"}}

    @extend_schema(
        summary="A performer's statement with residual earnings (bonuses, training licences) beside usage pay",
        tags=TAGS,
        parameters=[params.month_parameter()],
        responses={200: EarningsSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, performer_id: str):
        caller = get_caller(request)
        performer = Performer.objects.filter(public_id=performer_id).first()
        if performer is None or not (caller.is_staff or caller.may_view(performer)):
            raise NotFoundError("No such performer.")
        period = params.month(request.query_params)
        return Response(EarningsSerializer(selectors.performer_statement_with_residuals(performer, period)).data)


# Bounds a what-if term must keep, as the agreement's own fields do (four decimal places).
WHAT_IF_WRITTEN = re.compile(limits.decimal_pattern(6, 4))
WHAT_IF_BOUNDS = {
    "threshold": (Decimal("0"), Decimal("1")),
    "bonus_share": (Decimal("0"), Decimal("99")),
    "performer_share": (Decimal("0"), Decimal("1")),
}


WHAT_IF_EXAMPLES = {
    "threshold": "e.g. 0.15 for 15% of domestic subscribers",
    "bonus_share": "e.g. 1.25 for 125% of the fixed residual",
    "performer_share": "e.g. 0.8 for 80% to the cast",
}


def _what_if_overrides(query) -> dict[str, Decimal]:
    overrides: dict[str, Decimal] = {}
    problems: list[FieldProblem] = []
    for name, (low, high) in WHAT_IF_BOUNDS.items():
        raw = query.get(name)
        if raw in (None, ""):
            continue
        if not (isinstance(raw, str) and WHAT_IF_WRITTEN.fullmatch(raw)):
            problems.append(FieldProblem(name, "invalid", "Give a decimal number, e.g. 0.15."))
            continue
        value = limits.parse_decimal(raw)
        if not low <= value <= high:
            problems.append(FieldProblem(name, "out_of_range", f"Give a number from {low} to {high}."))
            continue
        overrides[name] = value
    if problems:
        raise InvalidInputError(f"{problems[0].field}: {problems[0].message}", problems=problems)
    return overrides


class BonusWhatIfView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"staff"}}

    @extend_schema(
        summary="What if: a past year's streaming bonuses recomputed under other terms (writes nothing)",
        description="Replays the viewing reports of every exhibition window that began in `year`, under the "
        "terms recorded on them with the ones given here changed, and sets the result beside what was paid: "
        "per title, per performer and in total. The window cannot be changed: the hours reported were "
        "counted over the window in force.",
        tags=TAGS,
        parameters=[
            params.year_parameter(),
            *(
                OpenApiParameter(name, str, pattern=WHAT_IF_WRITTEN.pattern, description=f"{low} to {high}, {example}")
                for name, (low, high) in WHAT_IF_BOUNDS.items()
                for example in [WHAT_IF_EXAMPLES[name]]
            ),
        ],
        responses={200: WhatIfSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request):
        year = params.year(request.query_params)
        result = selectors.bonus_what_if(year=year, overrides=_what_if_overrides(request.query_params))
        return Response(WhatIfSerializer(result).data)
