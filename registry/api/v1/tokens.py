"""Token endpoints: fetch a grant's consent token, and verify any token online."""

from __future__ import annotations

import base64
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
from registry.core.replica import replica_reads
from registry.core.vocabulary.parties import ApiScope
from registry.tlog import selectors as log_selectors
from registry.tlog import services as log_services
from registry.tlog.models import LeafKind
from registry.tokens import selectors
from registry.tokens.verifier import RESULT_STATUSES


class TokenLogSerializer(serializers.Serializer):
    leaf_index = serializers.IntegerField(
        allow_null=True, help_text="The token's issue leaf in the log; null while the sequencer has not reached it."
    )
    leaf = serializers.CharField(help_text="The leaf's bytes, base64: a JSON object whose jws_sha256 is the token's.")
    tree_size = serializers.IntegerField(allow_null=True, help_text="The size of the checkpoint the proof is against.")
    inclusion_proof = serializers.ListField(child=serializers.CharField(), help_text="RFC 9162 audit path, base64.")
    checkpoint = serializers.CharField(allow_null=True, help_text="That checkpoint, as the log signed it.")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Compact JWS (typ consent+jwt).")
    jti = serializers.CharField()
    kid = serializers.CharField()
    status = serializers.DictField(help_text='{"status_list": {"idx": N, "uri": "…"}}')
    issued_at = serializers.DateTimeField()
    not_before = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    log = TokenLogSerializer(
        allow_null=True,
        help_text=(
            "Where the token is in the transparency log, with an inclusion proof against the latest checkpoint "
            "(verify offline with `python -m registry.tokens.verifier … --checkpoint`)."
        ),
    )


def _log_entry(token) -> dict | None:
    leaf = log_selectors.leaf_for(LeafKind.TOKEN_ISSUED, str(token.pk))
    if leaf is None:
        return None
    inclusion = log_selectors.leaf_inclusion(leaf)
    return {
        "leaf_index": leaf.index if inclusion.sequenced else None,
        "leaf": base64.b64encode(bytes(leaf.data)).decode("ascii"),
        "tree_size": inclusion.tree_size,
        "inclusion_proof": [base64.b64encode(h).decode("ascii") for h in inclusion.proof],
        "checkpoint": inclusion.checkpoint,
    }


class GrantTokenView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio", "performer_side", "staff"}}
    studio_scopes = {"GET": ApiScope.CONSENT_READ}

    @extend_schema(
        summary="The grant's consent token",
        description=(
            "The signed consent token of this grant version, and its leaf in the transparency log with an "
            "inclusion proof against the latest checkpoint. `?download=1` returns the bare token as an "
            "`application/jwt` download. Supports `If-None-Match` with the `ETag` (which changes with the "
            "log's checkpoint)."
        ),
        parameters=[params.flag_parameter("download", "Return the bare token file.")],
        responses={200: TokenSerializer, 304: None, **PROBLEM_RESPONSES},
        tags=["tokens"],
    )
    @no_store
    @replica_reads
    def get(self, request, grant_id: str):
        grant = get_object_or_404(consent_selectors.grants_visible_to(get_caller(request)), public_id=grant_id)
        token = selectors.current_token(grant)
        if token is None:
            raise NotFoundError("This grant has no token.")
        log_services.log_catch_up()
        latest = log_selectors.latest_checkpoint()
        version = f"{token.jws}|{latest.size if latest else 0}"
        etag = '"' + hashlib.sha256(version.encode("ascii")).hexdigest()[:32] + '"'
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
            "log": _log_entry(token),
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
