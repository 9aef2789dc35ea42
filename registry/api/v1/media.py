"""Content credentials over the API: a studio has a generated file signed for one of its
consents, and anyone asks what a file's credentials say about its consent.

Files come as multipart form data, bounded by registry.core.limits.MEDIA_UPLOAD_MAX_BYTES, which
is checked against Content-Length before the body is read. Views parse, call one service or
selector, and render.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.permissions import CallerAccess, get_caller
from registry.api.problems import ProblemError
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.common import ProblemSerializer
from registry.api.serializers.consent import CheckReasonSerializer
from registry.consent import selectors as consent_selectors
from registry.core.caching import no_store
from registry.core.limits import MEDIA_UPLOAD_MAX_BYTES, MEDIA_UPLOAD_MAX_TEXT
from registry.core.vocabulary.consent import UseType
from registry.core.vocabulary.parties import ApiScope
from registry.media import credentials, selectors, services

TAGS = ["content credentials"]
TOO_LARGE = OpenApiResponse(ProblemSerializer, description=f"The file is larger than {MEDIA_UPLOAD_MAX_TEXT}")
REFUSED = OpenApiResponse(ProblemSerializer, description="media-refused, or a consent rule refuses the use")
UNAVAILABLE = OpenApiResponse(ProblemSerializer, description="No C2PA signing certificate is configured")
# Room for the multipart envelope and the other form fields around the file.
_ENVELOPE_BYTES = 64 * 1024


def _bounded(request) -> None:
    """413 before the body is read, when Content-Length says it is too large."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MEDIA_UPLOAD_MAX_BYTES + _ENVELOPE_BYTES:
        raise ProblemError("payload-too-large", f"Media files are limited to {MEDIA_UPLOAD_MAX_TEXT}.")


def _file_bytes(upload) -> bytes:
    if upload.size > MEDIA_UPLOAD_MAX_BYTES:
        raise ProblemError("payload-too-large", f"Media files are limited to {MEDIA_UPLOAD_MAX_TEXT}.")
    return upload.read()


class MediaSignSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text=f"A PNG, JPEG, WAV or MP4 file, at most {MEDIA_UPLOAD_MAX_TEXT}."
    )
    grant = serializers.RegexField(r"^cgr_[a-z2-7]{26}$", help_text="The grant the file was made under.")
    use = serializers.ChoiceField(
        choices=UseType.choices, required=False, help_text="What the file is, as a use; the grant's own by default."
    )
    media = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=20,
        required=False,
        help_text="Where it will appear (media and platforms); each must be one the grant covers.",
    )


SIGNED_FILE = {
    (201, mime): OpenApiResponse(OpenApiTypes.BINARY, description="The file with its C2PA manifest embedded.")
    for mime in credentials.MIME_TYPES
}


class MediaSignView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": {"studio"}}
    studio_scopes = {"POST": ApiScope.CONSENT_READ}
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Sign a generated file's content credentials",
        description=(
            "Embeds a C2PA manifest signed with the registry's certificate: `c2pa.actions` (created by a "
            "trained model, digitalSourceType trainedAlgorithmicMedia), `cawg.training-mining` from the "
            "performer's do-not-train preference, and `org.performer-consent-registry.likeness-consent` naming "
            "the grant's consent token (id, SHA-256, status slot), the use and media. The use and media are "
            "checked against the grant now, as a consent check is; the registry signs nothing the consent does "
            "not cover (422 consent-rule-violation). Answers with the signed file; `Media-Credential` names the "
            "record of it."
        ),
        request={"multipart/form-data": MediaSignSerializer},
        responses={**SIGNED_FILE, 413: TOO_LARGE, 422: REFUSED, 503: UNAVAILABLE, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    @no_store
    def post(self, request):
        _bounded(request)
        caller = get_caller(request)
        body = MediaSignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        grant = get_object_or_404(consent_selectors.grants_visible_to(caller), public_id=body.validated_data["grant"])
        signed, record = services.media_sign(
            grant=grant,
            data=_file_bytes(body.validated_data["file"]),
            use=body.validated_data.get("use"),
            media=body.validated_data.get("media"),
            actor=caller.actor(),
        )
        extension = {"image/png": "png", "image/jpeg": "jpg", "audio/wav": "wav", "video/mp4": "mp4"}
        return HttpResponse(
            signed,
            status=201,
            content_type=record.mime_type,
            headers={
                "Media-Credential": record.public_id,
                "Content-Disposition": f'attachment; filename="{record.public_id}.{extension[record.mime_type]}"',
            },
        )


class MediaVerifySerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text=f"A PNG, JPEG, WAV or MP4 file, at most {MEDIA_UPLOAD_MAX_TEXT}."
    )


class StandingSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    allowed = serializers.BooleanField(help_text="Whether the consent covered the file's use at that moment.")
    status = serializers.CharField(allow_null=True, help_text="The grant's status then.")
    reasons = CheckReasonSerializer(many=True)


class ManifestSerializer(serializers.Serializer):
    label = serializers.CharField()
    mime_type = serializers.CharField(source="mime")
    validation_state = serializers.CharField(help_text="`Trusted`: signed intact, by a chain to a trusted root.")
    issuer = serializers.CharField()
    common_name = serializers.CharField()
    signing_alg = serializers.CharField()
    training = serializers.DictField(allow_null=True, help_text="The `cawg.training-mining` assertion.")


class MediaAnswerSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=selectors.VERDICTS)
    grant = serializers.CharField(source="grant_id")
    signed_at = serializers.DateTimeField()
    signed_by_registry = serializers.BooleanField()
    consent = serializers.DictField(help_text="The consent assertion as the manifest carries it.")
    manifest = ManifestSerializer(source="reading")
    at_signing = StandingSerializer()
    now = StandingSerializer()


class MediaVerifyView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="What a file's content credentials say about its consent",
        description=(
            "Anyone may call this. Reads the file's C2PA manifest, checks its signature, its binding to the "
            "file and its certificate chain against the registry's trust anchors, then answers for the consent "
            "it names as a consent check would, at the signing time and now: `verdict` is `valid`, "
            "`revoked_since`, `suspended_since`, `expired_since`, `superseded_since`, `outside_scope` or "
            "`not_valid_when_signed`. A file that is not media, is damaged, has no manifest, or whose manifest "
            "cannot be believed is a 422 `media-refused` problem whose `code` says which."
        ),
        request={"multipart/form-data": MediaVerifySerializer},
        responses={200: MediaAnswerSerializer, 400: PROBLEM_RESPONSES[400], 413: TOO_LARGE, 422: REFUSED},
        tags=TAGS,
    )
    def post(self, request):
        _bounded(request)
        body = MediaVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer = selectors.media_verify(_file_bytes(body.validated_data["file"]))
        return Response(MediaAnswerSerializer(answer).data)
