"""Token endpoints: fetch a grant's consent token, and verify any token online."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import fields, params
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.consent import selectors as consent_selectors
from registry.consent.verification import verify_online
from registry.core.caching import no_store
from registry.core.errors import NotFoundError
from registry.core.vocabulary.parties import ApiScope
from registry.tokens import selectors
from registry.tokens.verifier import RESULT_STATUSES


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Compact JWS (typ consent+jwt).")
    jti = serializers.CharField()
    kid = serializers.CharField()
    status = serializers.DictField(help_text='{"status_list": {"idx": N, "uri": "…"}}')
    issued_at = serializers.DateTimeField()
    not_before = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class GrantTokenView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}

    @extend_schema(
        summary="The grant's consent token",
        description=(
            "The signed consent token of this grant version. `?download=1` returns the bare token as an "
            "`application/jwt` download. Supports `If-None-Match` with the `ETag`."
        ),
        parameters=[params.flag_parameter("download", "Return the bare token file.")],
        responses={200: TokenSerializer, 304: None, **PROBLEM_RESPONSES},
        tags=["tokens"],
    )
    @no_store
    def get(self, request, grant_id: str):
        grant = get_object_or_404(consent_selectors.grants_visible_to(get_caller(request)), public_id=grant_id)
        token = selectors.current_token(grant)
        if token is None:
            raise NotFoundError("This grant has no token.")
        etag = '"' + hashlib.sha256(token.jws.encode("ascii")).hexdigest()[:32] + '"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return HttpResponse(status=304, headers={"ETag": etag})
        if params.flag(request.query_params, "download"):
            return HttpResponse(
                token.jws,
                content_type="application/jwt",
                headers={"ETag": etag, "Content-Disposition": f'attachment; filename="consent-{grant.public_id}.jwt"'},
            )
        body = {
            "token": token.jws,
            "jti": grant.public_id,
            "kid": token.signing_key.kid,
            "status": {"status_list": {"idx": token.status_index, "uri": token.status_list.uri}},
            "issued_at": token.issued_at,
            "not_before": token.not_before,
            "expires_at": token.expires_at,
        }
        return Response(TokenSerializer(body).data, headers={"ETag": etag})


class VerifyRequestSerializer(serializers.Serializer):
    token = fields.CharField(max_length=20000, trim_whitespace=True)


class VerifyResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    status = serializers.ChoiceField(choices=RESULT_STATUSES)
    claims = serializers.DictField()
    reasons = serializers.ListField(child=serializers.CharField())


class TokenVerifyView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Verify a consent token online",
        description=(
            "Anyone may call this. The registry checks the signature against its published keys, the "
            "header, the time claims and the token's current status (fresher than a cached status list). "
            "`reasons` lists every failed check, e.g. `bad_signature`, `unknown_kid`, `alg_not_allowed:none`, "
            "`wrong_typ`, `expired`, `revoked`, `superseded`, `suspended`. Where the status list says a token "
            "no longer holds, `status` says why from its grant's history: `revoked`, `expired` (the term ended) "
            "or `superseded` (a newer version replaced it)."
        ),
        request=VerifyRequestSerializer,
        responses={200: VerifyResultSerializer, 400: PROBLEM_RESPONSES[400]},
        tags=["tokens"],
    )
    def post(self, request):
        body = VerifyRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = verify_online(body.validated_data["token"])
        return Response(
            {"valid": result.valid, "status": result.status, "claims": result.claims, "reasons": result.reasons}
        )
