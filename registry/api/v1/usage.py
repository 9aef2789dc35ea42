"""Usage endpoints: reports and their lines, retractions, synthetic performers, and cases."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.idempotency import IDEMPOTENCY_PARAMETER, REPLAYED_HEADER, idempotent
from registry.api.params import flag, flag_parameter
from registry.api.parsers import raw_json_body
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.consent import ReasonSerializer, project_from
from registry.api.serializers.usage import (
    CaseSerializer,
    SyntheticNoticeInputSerializer,
    SyntheticNoticeSerializer,
    SyntheticPerformerInputSerializer,
    SyntheticPerformerSerializer,
    UsageLineSerializer,
    UsageReportInputSerializer,
    UsageReportSerializer,
)
from registry.cases.selectors import cases_visible_to
from registry.core import collector
from registry.core.errors import FieldProblem, InvalidInputError, RuleViolationError, problems_summary
from registry.core.replica import replica_reads
from registry.core.vocabulary.consent import Medium, ProjectKind
from registry.core.vocabulary.parties import ApiScope
from registry.core.vocabulary.terms import RoleCategory
from registry.core.vocabulary.usage import UsageKind, UsageUnit
from registry.parties.selectors import performer_by_reference
from registry.terms.models import Agreement
from registry.usage import selectors, services
from registry.usage.parsing import parse_report, parse_report_json

STUDIO_ONLY = {"studio"}

REPORT_EXAMPLE = {
    "report_id": "NLP-2026-08-week-33",
    "lines": [
        {
            "line_id": "NLP-2026-08-12-001",
            "kind": UsageKind.REPLICA_USE,
            "grant": "cgr_tfp2aeozqluh2umeqhcaeqtcbu",
            "project": {"kind": ProjectKind.PICTURE, "title": "The Long Night", "production_number": "NLP-2027-004"},
            "use_date": "2026-08-12",
            "units": "1",
            "unit": UsageUnit.DAYS,
            "role_category": RoleCategory.DAY_PERFORMER,
            "estimated_days": "3",
            "media": [Medium.STREAMING],
            "territory": ["US"],
        }
    ],
}


class UsageReportListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}, "POST": STUDIO_ONLY}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE, "POST": ApiScope.USAGE_WRITE}
    serializer_class = UsageReportSerializer

    def get_queryset(self):
        qs = selectors.usage_reports_visible_to(get_caller(self.request))
        if self.request.query_params.get("report_id"):
            qs = qs.filter(report_ref=self.request.query_params["report_id"])
        return qs.order_by("-id")

    @extend_schema(summary="List usage reports", tags=["usage"], parameters=[OpenApiParameter("report_id", str)])
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Report usage",
        description=(
            "Up to 10,000 lines. Each line is checked against the grant as it stood on its use date. "
            "A malformed line refuses the whole report (400 for shape, 422 `usage-report-rejected` for "
            "references such as a grant id that is not one of yours; `errors` names `lines.N.field`) "
            "and nothing is stored. Lines not covered by valid consent are stored as violations, each "
            "with a case, and are not billed as normal use. Resending the same `report_id` with the same body "
            "returns the stored report; with another body it is refused (409)."
        ),
        request=UsageReportInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: UsageReportSerializer,
            200: UsageReportSerializer,
            409: PROBLEM_RESPONSES[400],
            422: PROBLEM_RESPONSES[400],
            **PROBLEM_RESPONSES,
        },
        examples=[OpenApiExample("One replica-use line", value=REPORT_EXAMPLE, request_only=True)],
        tags=["usage"],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        # A report allocates objects by the hundred thousand and frees them by reference
        # counting; the cyclic collector's scans cost a fifth of a report (registry/core/collector.py).
        with collector.paused():
            return self._submit(request)

    def _submit(self, request):
        caller = get_caller(request)
        # A well-formed report is read straight from its bytes (typed, by msgspec); anything
        # else is parsed as JSON and every problem worded (registry/usage/parsing.py).
        raw = raw_json_body(request)
        fast = parse_report_json(raw) if raw is not None else None
        if fast is not None:
            report_ref, lines, fingerprint = fast
        else:
            report_ref, lines, problems = parse_report(request.data)
            if problems:
                raise InvalidInputError(problems_summary(problems), problems=problems)
            fingerprint = services.report_fingerprint(request.data)
        report, created = services.usage_report_submit(
            studio=caller.studio,
            report_ref=report_ref,
            lines=lines,
            fingerprint=fingerprint,
            actor=caller.actor(),
        )
        headers = {} if created else {REPLAYED_HEADER: "true"}
        return Response(
            UsageReportSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers=headers,
        )


class UsageReportDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = UsageReportSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "report_id"

    def get_queryset(self):
        return selectors.usage_reports_visible_to(get_caller(self.request))

    @extend_schema(
        summary="A usage report: counts and violations",
        tags=["usage"],
        responses={200: UsageReportSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UsageLineListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = UsageLineSerializer

    def get_queryset(self):
        qs = selectors.usage_lines_visible_to(get_caller(self.request))
        params = self.request.query_params
        for param, lookup in (
            ("report", "report__public_id"),
            ("status", "status"),
            ("kind", "kind"),
            ("production_number", "production_number"),
        ):
            if params.get(param):
                qs = qs.filter(**{lookup: params[param]})
        if "unrateable" in params:
            # Accepted lines a billing run could not price (or, with false, every other line).
            qs = qs.filter(unrateable_since__isnull=not flag(params, "unrateable"))
        return qs.order_by("-id")

    @extend_schema(
        summary="Usage lines (studio: own; performer side: those about them; staff: all)",
        tags=["usage"],
        parameters=[
            *(OpenApiParameter(p, str) for p in ("report", "status", "kind", "production_number")),
            flag_parameter(
                "unrateable",
                "true: only accepted lines a billing run could not price (a rate or rule the union has not "
                "entered yet), each with its reason; they are billed by the first run after the fix.",
            ),
        ],
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UsageLineRetractView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": STUDIO_ONLY}
    studio_scopes = {"POST": ApiScope.USAGE_WRITE}

    @extend_schema(
        summary="Retract a line reported by error (kept, marked retracted)",
        tags=["usage"],
        request=ReasonSerializer,
        responses={200: UsageLineSerializer, **PROBLEM_RESPONSES},
    )
    def post(self, request, line_id: str):
        caller = get_caller(request)
        line = get_object_or_404(selectors.usage_lines_visible_to(caller), line_ref=line_id)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        line = services.usage_line_retract(line=line, reason=body.validated_data["reason"], actor=caller.actor())
        return Response(UsageLineSerializer(selectors.usage_lines_visible_to(caller).get(pk=line.pk)).data)


class SyntheticPerformerListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}, "POST": STUDIO_ONLY}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE, "POST": ApiScope.USAGE_WRITE}
    serializer_class = SyntheticPerformerSerializer

    def get_queryset(self):
        return selectors.synthetic_performers_visible_to(get_caller(self.request)).order_by("-id")

    @extend_schema(summary="Synthetic performers", tags=["synthetic performers"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a synthetic performer",
        description="Each real performer it borrows a recognisable feature from must have a live "
        "`synthetic_feature` grant with your studio; otherwise 422 naming `borrowings.N.performer`.",
        request=SyntheticPerformerInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: SyntheticPerformerSerializer, 422: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=["synthetic performers"],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        caller = get_caller(request)
        body = SyntheticPerformerInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        borrowings = []
        for i, item in enumerate(data["borrowings"]):
            performer = performer_by_reference(item["performer"])
            if performer is None:
                raise RuleViolationError(
                    "Unknown performer.",
                    problems=[
                        FieldProblem(
                            f"borrowings.{i}.performer",
                            "unknown_performer",
                            "No performer has this id or member number.",
                        )
                    ],
                )
            borrowings.append((performer, item["feature"].strip()))
        synthetic = services.synthetic_performer_register(
            studio=caller.studio,
            name=data["name"].strip(),
            description=data["description"],
            borrowings=borrowings,
            actor=caller.actor(),
        )
        return Response(SyntheticPerformerSerializer(synthetic).data, status=status.HTTP_201_CREATED)


class SyntheticNoticeListCreateView(generics.ListAPIView):
    """DOMAIN.md 2.12: notice of a synthetic performer in a union role, before its first use."""

    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "staff"}, "POST": STUDIO_ONLY}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE, "POST": ApiScope.USAGE_WRITE}
    serializer_class = SyntheticNoticeSerializer

    def get_queryset(self):
        return selectors.synthetic_notices_visible_to(get_caller(self.request)).order_by("-id")

    @extend_schema(summary="Synthetic-performer notices", tags=["synthetic performers"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="File notice of a synthetic performer before its first use",
        description=(
            "Opens the union's notice-and-bargaining case; `bargaining_ends_on` is the filing date plus the "
            "agreement's bargaining days. A stand-in used before the notice was filed, or (where the agreement "
            "says so) before the window ends, is a violation. 422 when the agreement requires a justification "
            "and none is given, when the first use is past, or when `borrows_real_features` contradicts the "
            "registration; 409 when notice was already filed for that project."
        ),
        request=SyntheticNoticeInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: SyntheticNoticeSerializer, **PROBLEM_RESPONSES},
        tags=["synthetic performers"],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        caller = get_caller(request)
        body = SyntheticNoticeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        synthetic = selectors.synthetic_performers_visible_to(caller).filter(public_id=data["synthetic_performer"])
        agreement = Agreement.objects.filter(code=data["agreement"]).first()
        problems = []
        if not synthetic.exists():
            problems.append(
                FieldProblem("synthetic_performer", "unknown_synthetic_performer", "None of yours has this id.")
            )
        if agreement is None:
            problems.append(FieldProblem("agreement", "unknown_agreement", "No agreement has this code."))
        if problems:
            raise RuleViolationError(problems_summary(problems), problems=problems)
        notice = services.synthetic_notice_file(
            new=services.NewSyntheticNotice(
                studio=caller.studio,
                synthetic=synthetic.get(),
                agreement=agreement,
                project=project_from(data["project"]),
                role_category=data["role_category"],
                role=data["role"].strip(),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                justification=data["justification"].strip(),
                borrows_real_features=data["borrows_real_features"],
            ),
            actor=caller.actor(),
        )
        notice = selectors.synthetic_notices_visible_to(caller).get(pk=notice.pk)
        return Response(SyntheticNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)


class CaseListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = CaseSerializer

    def get_queryset(self):
        qs = cases_visible_to(get_caller(self.request))
        for param in ("kind", "status"):
            if self.request.query_params.get(param):
                qs = qs.filter(**{param: self.request.query_params[param]})
        return qs.order_by("-id")

    @extend_schema(
        summary="Cases: violations (studio and performer concerned) and notices (studio)",
        tags=["cases"],
        parameters=[OpenApiParameter("kind", str), OpenApiParameter("status", str)],
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailView(generics.RetrieveAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.USAGE_WRITE}
    serializer_class = CaseSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "case_id"

    def get_queryset(self):
        return cases_visible_to(get_caller(self.request))

    @extend_schema(summary="A case", tags=["cases"], responses={200: CaseSerializer, **PROBLEM_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
