"""Selective disclosure over the API: a studio's holder keys, SD-JWTs bound to them, a performer's
presentation links, and verifying any presentation.

Studios present with the library (`registry.tokens.sdjwt.present`), since only they hold their
private key; a performer's key is kept by the registry, which presents for whoever may act for
them. Views parse, call one service or selector, and render.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import fields
from registry.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.consent import selectors as consent_selectors
from registry.consent.verification import verify_presentation_online
from registry.core.errors import FieldProblem, RuleRefusalError
from registry.core.vocabulary.parties import ApiScope
from registry.parties.authority import require_authority
from registry.parties.rules import Act
from registry.tokens import sdjwt, selectors, services
from registry.tokens.models import KeyAlg
from registry.tokens.verifier import RESULT_STATUSES

TAGS = ["selective disclosure"]
B64URL_KEY = r"^[A-Za-z0-9_-]{43}$"


class JwkSerializer(serializers.Serializer):
    kty = serializers.ChoiceField(choices=["OKP", "EC"])
    crv = serializers.ChoiceField(choices=["Ed25519", "P-256"])
    x = fields.RegexField(B64URL_KEY, help_text="base64url, 32 bytes")
    y = fields.RegexField(B64URL_KEY, required=False, help_text="base64url, 32 bytes (P-256 only)")

    def to_internal_value(self, data):
        if isinstance(data, dict) and "d" in data:
            # Never let a private key pass silently: DRF would drop the unknown member.
            raise serializers.ValidationError(
                {"d": "A public JWK has no `d`: send the public key only and keep the private key."},
                code="private_key_sent",
            )
        return super().to_internal_value(data)


class HolderKeyCreateSerializer(serializers.Serializer):
    jwk = JwkSerializer(help_text="The public key SD-JWTs will be bound to (`cnf`).")
    name = fields.CharField(max_length=100, required=False, allow_blank=True, default="")


class HolderKeySerializer(serializers.Serializer):
    id = fields.CharField(source="public_id")
    kid = fields.CharField(help_text="RFC 7638 thumbprint")
    alg = serializers.ChoiceField(choices=KeyAlg.choices)
    jwk = serializers.DictField(source="public_jwk")
    name = fields.CharField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class HolderKeyListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": {"studio"}, "POST": {"studio"}}
    studio_scopes = {"GET": ApiScope.CONSENT_READ, "POST": ApiScope.CONSENT_READ}
    serializer_class = HolderKeySerializer

    def get_queryset(self):
        return selectors.holder_keys_of_studio(get_caller(self.request).studio)

    @extend_schema(summary="List your holder keys", tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a holder key",
        description=(
            "The public half of a key your systems keep (Ed25519 or P-256). SD-JWTs issued to it carry it "
            "in `cnf`, and only a KB-JWT signed with its private half presents them. A JWK with a private "
            "member (`d`) is refused: the registry must never see your private key."
        ),
        request=HolderKeyCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: HolderKeySerializer, **PROBLEM_RESPONSES},
        examples=[
            OpenApiExample(
                "Ed25519 public key",
                value={
                    "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
                    "name": "render farm",
                },
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        body = HolderKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        caller = get_caller(request)
        key = services.holder_key_register(
            studio=caller.studio,
            jwk=dict(body.validated_data["jwk"]),
            name=body.validated_data["name"],
            actor=caller.actor(),
        )
        return Response(HolderKeySerializer(key).data, status=status.HTTP_201_CREATED)


class HolderKeyRevokeView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": {"studio"}}
    studio_scopes = {"POST": ApiScope.CONSENT_READ}

    @extend_schema(
        summary="Revoke a holder key",
        description="No SD-JWT is issued to it any more; those issued before stay valid until they expire.",
        request=None,
        responses={200: HolderKeySerializer, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    def post(self, request, key_id: str):
        caller = get_caller(request)
        key = get_object_or_404(selectors.holder_keys_of_studio(caller.studio), public_id=key_id)
        return Response(HolderKeySerializer(services.holder_key_revoke(key=key, actor=caller.actor())).data)


class SdJwtRequestSerializer(serializers.Serializer):
    holder_key = fields.RegexField(r"^hk_[a-z2-7]{26}$", help_text="One of your holder keys (`hk_…`).")
    alg = serializers.ChoiceField(
        choices=KeyAlg.choices,
        default=KeyAlg.EDDSA,
        help_text="The registry key that signs: EdDSA (Ed25519), or ES256 for wallets that accept nothing else.",
    )


class DisclosureSerializer(serializers.Serializer):
    claim = fields.CharField(help_text="Dotted path of the claim it discloses, e.g. `consent.use`.")
    disclosure = fields.CharField()


class SdJwtSerializer(serializers.Serializer):
    sd_jwt = fields.CharField(help_text="`<issuer-signed JWT>~<disclosure>~…~` (typ dc+sd-jwt).")
    alg = serializers.ChoiceField(choices=KeyAlg.choices)
    kid = fields.CharField()
    holder_key = fields.CharField()
    disclosures = DisclosureSerializer(many=True)
    expires_at = serializers.DateTimeField()


class GrantSdJwtView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": {"studio"}}
    studio_scopes = {"POST": ApiScope.CONSENT_READ}

    @extend_schema(
        summary="Issue an SD-JWT of the grant's consent token",
        description=(
            "An SD-JWT VC (`typ: dc+sd-jwt`) of this grant version, bound to one of your holder keys. Every "
            "claim of `consent` (use, project, agreement, media, territory, term, compensation, performer, "
            "studio, …) and the grant id (`jti`) is disclosable on its own; `iss`, `iat`, `nbf`, `exp`, `vct`, "
            "`cnf` and the `status` slot (the consent token's own) are always visible. Present it with "
            "`python -m registry.tokens.sdjwt present` or any SD-JWT library. Each call signs a new one."
        ),
        request=SdJwtRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: SdJwtSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, grant_id: str):
        caller = get_caller(request)
        grant = get_object_or_404(consent_selectors.grants_visible_to(caller), public_id=grant_id)
        body = SdJwtRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = (
            selectors.holder_keys_of_studio(caller.studio).filter(public_id=body.validated_data["holder_key"]).first()
        )
        if key is None:
            raise RuleRefusalError(
                "holder_key: no holder key of yours has this id.",
                problems=[FieldProblem("holder_key", "not_found", "No holder key of yours has this id.")],
            )
        issued = services.sd_jwt_issue(
            grant=grant, holder_key=key, alg=body.validated_data["alg"], actor=caller.actor()
        )
        body = {
            "sd_jwt": issued.sd_jwt,
            "alg": issued.signing_key.alg,
            "kid": issued.signing_key.kid,
            "holder_key": key.public_id,
            "disclosures": [
                {"claim": path, "disclosure": d} for path, d in sorted(sdjwt.disclosure_paths(issued.sd_jwt).items())
            ],
            "expires_at": issued.expires_at,
        }
        return Response(SdJwtSerializer(body).data, status=status.HTTP_201_CREATED)


class PresentationCreateSerializer(serializers.Serializer):
    disclose = serializers.ListField(
        child=serializers.ChoiceField(choices=[*services.DISCLOSABLE_CONSENT_CLAIMS, "jti"]),
        min_length=1,
        max_length=len(services.DISCLOSABLE_CONSENT_CLAIMS) + 1,
        help_text="The claims to show; everything else stays hidden.",
    )
    audience = fields.CharField(max_length=200, help_text="Who it is for (their URL or name): the KB-JWT's `aud`.")
    nonce = fields.RegexField(
        r"^[\x21-\x7e]{8,100}$",
        required=False,
        help_text="The recipient's challenge, if they gave one; otherwise the registry makes one.",
    )


class SharedPresentationSerializer(serializers.Serializer):
    id = fields.CharField(source="public_id")
    url = fields.CharField(help_text="The page that shows and verifies it; anyone with the link sees it.")
    presentation = fields.CharField(help_text="The SD-JWT presentation with its KB-JWT.")
    audience = fields.CharField()
    nonce = fields.CharField()
    disclosed = serializers.ListField(child=fields.CharField())
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


def presentation_url(shared) -> str:
    return settings.REGISTRY_BASE_URL + reverse("proof", args=[shared.public_id])


class GrantPresentationCreateView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": {"performer_side"}}

    @extend_schema(
        summary="Share a presentation of this consent",
        description=(
            "For the performer (or whoever may change the consent for them): a presentation showing only "
            "the chosen claims, bound to the recipient (`audience`) and a nonce, made with the key the "
            "registry keeps for the performer, behind a link that answers for "
            f"{settings.PRESENTATION_LINK_DAYS} days. E.g. prove voice use was consented for a project "
            "without showing the fee: `disclose: [use, project]`."
        ),
        request=PresentationCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: SharedPresentationSerializer, 409: PROBLEM_RESPONSES[400], **PROBLEM_RESPONSES},
        examples=[
            OpenApiExample(
                "Voice use for one project, without the fee",
                value={"disclose": ["use", "project"], "audience": "https://festival.example"},
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    @idempotent
    def post(self, request, grant_id: str):
        caller = get_caller(request)
        grant = get_object_or_404(consent_selectors.grants_visible_to(caller), public_id=grant_id)
        body = PresentationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        require_authority(user=request.user, performer=grant.performer, act=Act.CHANGE_CONSENT)
        actor = caller.actor(on_behalf_of=grant.performer)
        shared = services.presentation_share(grant=grant, actor=actor, **body.validated_data)
        return Response(SharedPresentationSerializer(_shown(shared)).data, status=status.HTTP_201_CREATED)


def _shown(shared) -> dict:
    return {
        "public_id": shared.public_id,
        "url": presentation_url(shared),
        "presentation": shared.presentation,
        "audience": shared.audience,
        "nonce": shared.nonce,
        "disclosed": shared.disclosed,
        "created_at": shared.created_at,
        "expires_at": shared.expires_at,
    }


class PresentationVerifySerializer(serializers.Serializer):
    presentation = fields.CharField(max_length=20000, help_text="`<JWT>~<disclosure>~…~<KB-JWT>`")
    audience = fields.CharField(max_length=200, help_text="Your audience: the KB-JWT's `aud` must equal it.")
    nonce = fields.CharField(max_length=100, help_text="The nonce you gave the holder.")


class KeyBindingSerializer(serializers.Serializer):
    aud = fields.CharField(required=False)
    nonce = fields.CharField(required=False)
    iat = serializers.IntegerField(required=False)


class PresentationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    status = serializers.ChoiceField(choices=RESULT_STATUSES)
    claims = serializers.DictField(help_text="The visible claims and those the holder disclosed, nothing more.")
    disclosed = serializers.ListField(child=fields.CharField())
    holder = fields.CharField(allow_null=True, help_text="RFC 7638 thumbprint of the key in `cnf`.")
    key_binding = KeyBindingSerializer()
    reasons = serializers.ListField(child=fields.CharField())


class PresentationVerifyView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Verify an SD-JWT presentation online",
        description=(
            "Anyone may call this. The registry checks the issuer's signature against its published keys, "
            "each disclosure against the signed digests, the key binding (a KB-JWT signed by the key in `cnf`, "
            f"for your `audience` and `nonce`, at most {sdjwt.DEFAULT_MAX_KB_AGE} seconds old, over this "
            "exact presentation) and the consent's current status. `reasons` lists every failed check, e.g. "
            "`disclosure_not_referenced`, `key_binding_missing`, `key_binding_wrong_nonce`, `revoked`."
        ),
        request=PresentationVerifySerializer,
        responses={200: PresentationResultSerializer, 400: PROBLEM_RESPONSES[400]},
        tags=TAGS,
    )
    def post(self, request):
        body = PresentationVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = verify_presentation_online(
            body.validated_data["presentation"],
            audience=body.validated_data["audience"],
            nonce=body.validated_data["nonce"],
        )
        return Response(PresentationResultSerializer(result).data)
