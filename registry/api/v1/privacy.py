"""Privacy endpoints: a performer's data export and their requests for erasure.

Open to the performer themself and to a representative who may exercise their privacy rights
(lawyer, guardian, estate; not an agent), and to staff for reading. Staff carry erasure out in
the admin (Privacy → Erasure requests).
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import params
from registry.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.common import ProblemSerializer
from registry.api.serializers.privacy import (
    ErasureRequestCreateSerializer,
    ErasureRequestListSerializer,
    ErasureRequestSerializer,
    PerformerExportSerializer,
)
from registry.core.caching import no_store
from registry.parties.authority import require_authority
from registry.parties.models import Performer
from registry.parties.rules import Act
from registry.privacy import selectors, services


def _performer_for(request, performer_id: str) -> Performer:
    """The performer, if the caller may exercise (or, as staff, read) their privacy rights today."""
    caller = get_caller(request)
    performer = get_object_or_404(Performer, public_id=performer_id)
    if caller.is_staff:
        return performer
    if not caller.may_view(performer):
        # 404, not 403: whether a performer exists is not another performer's business.
        raise Http404("No such performer.")
    require_authority(user=request.user, performer=performer, act=Act.PRIVACY_RIGHTS)
    return performer


class PerformerExportView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"performer_side", "staff"}}

    @extend_schema(
        summary="Everything the registry holds about a performer, as one JSON document",
        description=(
            "Profile, representatives, preferences, consent requests with description versions and "
            "signatures, grants with status history and tokens, usage lines, invoice lines and ledger "
            "accounts, residual shares, cases, portal records, erasure requests and the audit entries "
            "concerning the performer. `?download=1` returns it as a file. Each export is audited."
        ),
        tags=["privacy"],
        parameters=[params.flag_parameter("download", "Return it as a file.")],
        responses={200: PerformerExportSerializer, **PROBLEM_RESPONSES},
    )
    @no_store
    def get(self, request, performer_id: str):
        performer = _performer_for(request, performer_id)
        document = services.performer_export(performer=performer, acting_user=request.user)
        if params.flag(request.query_params, "download"):
            return HttpResponse(
                json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
                content_type="application/json",
                headers={"Content-Disposition": f'attachment; filename="registry-export-{performer.public_id}.json"'},
            )
        return Response(document)


class ErasureRequestListCreateView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"performer_side", "staff"}, "POST": {"performer_side"}}

    @extend_schema(
        summary="A performer's erasure requests, newest first",
        tags=["privacy"],
        responses={200: ErasureRequestListSerializer, **PROBLEM_RESPONSES},
    )
    def get(self, request, performer_id: str):
        performer = _performer_for(request, performer_id)
        rows = selectors.erasure_requests_of(performer).select_related("performer").order_by("-requested_at", "-id")
        return Response({"results": [selectors.erasure_request_view(e) for e in rows]})

    @extend_schema(
        summary="Ask for erasure of the performer's personal data",
        description=(
            "Refused at once with `422 erasure-refused` while the registry must keep the data (live "
            "consents, pending requests, open cases, unbilled usage, money not yet paid out); `errors` "
            "names each reason by code. Otherwise queued for union staff, who carry it out or refuse it."
        ),
        tags=["privacy"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ErasureRequestCreateSerializer,
        responses={
            201: ErasureRequestSerializer,
            409: OpenApiResponse(ProblemSerializer, description="A request is already waiting"),
            422: OpenApiResponse(ProblemSerializer, description="erasure-refused: the data must be kept for now"),
            **PROBLEM_RESPONSES,
        },
    )
    @idempotent
    def post(self, request, performer_id: str):
        performer = _performer_for(request, performer_id)
        body = ErasureRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        erasure = services.erasure_request_submit(
            performer=performer, acting_user=request.user, reason=body.validated_data["reason"]
        )
        return Response(selectors.erasure_request_view(erasure), status=status.HTTP_201_CREATED)
