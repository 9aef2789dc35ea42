"""Reads for content credentials: what a file's manifest says, and how the consent it names
stood when the file was signed and stands now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from registry.consent import selectors as consent_selectors
from registry.consent.models import ConsentGrant
from registry.consent.rules import CheckOutcome, UseQuery
from registry.core.vocabulary.consent import CheckReasonCode, GrantStatus
from registry.media import credentials
from registry.media.certificates import trust_anchors_pem
from registry.media.errors import media_refused
from registry.media.models import MediaCredential


@dataclass(frozen=True)
class Standing:
    """A check of the file's use against the consent at one moment."""

    at: dt.datetime
    allowed: bool
    status: str | None  # the grant's status then: active, suspended, revoked, expired, superseded
    reasons: tuple[dict, ...] = ()


@dataclass(frozen=True)
class MediaAnswer:
    reading: credentials.Reading
    consent: dict
    grant_id: str
    signed_at: dt.datetime
    signed_by_registry: bool
    at_signing: Standing
    now: Standing
    verdict: str = ""


# What a file's answer is called, from how the consent stood then and stands now.
VERDICTS = (
    "valid",  # covered when signed and now
    "revoked_since",
    "suspended_since",
    "expired_since",
    "superseded_since",
    "outside_scope",  # the use or media the file is for was never covered
    "not_valid_when_signed",
)


def _standing(grant: ConsentGrant, query: UseQuery, at: dt.datetime) -> Standing:
    status, outcome = consent_selectors.grant_standing(grant, query, at)
    return Standing(at=at, allowed=outcome.allowed, status=status, reasons=_reasons(outcome))


def _reasons(outcome: CheckOutcome) -> tuple[dict, ...]:
    return tuple(
        {"code": r.code, "field": r.field, "message": r.message, "grant": r.grant_id} for r in outcome.reasons
    )


def _verdict(then: Standing, now: Standing) -> str:
    if any(r["code"] == CheckReasonCode.OUTSIDE_SCOPE for r in then.reasons):
        return "outside_scope"
    if not then.allowed:
        return "not_valid_when_signed"
    if now.allowed:
        return "valid"
    if now.status in (GrantStatus.REVOKED, GrantStatus.SUSPENDED, GrantStatus.EXPIRED, GrantStatus.SUPERSEDED):
        return f"{now.status}_since"
    if any(r["code"] == CheckReasonCode.EXPIRED for r in now.reasons):
        return "expired_since"
    return "not_valid_when_signed"


def media_verify(data: bytes, *, now: dt.datetime | None = None) -> MediaAnswer:
    """Read the file's manifest, check its signature and chain, then answer for the consent it
    names: valid at the signing time, valid now, revoked or suspended since, outside scope.
    MediaRefused (with the fault's code) for a file that cannot be believed."""
    now = now or timezone.now()
    try:
        reading = credentials.read(data, trust_anchors_pem=trust_anchors_pem())
        consent = credentials.believe(reading)
    except credentials.MediaFault as fault:
        raise media_refused(fault) from fault
    grant = ConsentGrant.objects.filter(public_id=consent["token_id"]).select_related("performer", "studio").first()
    tokens = {credentials.token_sha256(jws) for jws in grant.tokens.values_list("jws", flat=True)} if grant else set()
    if consent.get("token_sha256") not in tokens:
        raise media_refused(
            credentials.MediaFault(
                "unknown_consent", "The manifest names a consent token this registry did not issue.", ["token_unknown"]
            )
        )
    record = MediaCredential.objects.filter(manifest_label=reading.label).first()
    if record is not None:
        signed_at = record.signed_at
    else:
        # Signed with a studio's own certificate: its word on the time, as far as its chain is trusted.
        try:
            signed_at = dt.datetime.fromisoformat(str(consent.get("signed_at")).replace("Z", "+00:00"))
        except ValueError:
            signed_at = None
        if signed_at is None or signed_at.tzinfo is None:
            raise media_refused(credentials.MediaFault("no_consent", "The consent assertion has no signing time."))
    media = consent.get("media") if isinstance(consent.get("media"), list) else []
    use = consent.get("use") if isinstance(consent.get("use"), str) else ""

    def query(on: dt.datetime) -> UseQuery:
        return UseQuery(
            use=use, project=grant.scope().project, on=timezone.localdate(on), media=tuple(map(str, media))
        )

    then, current = _standing(grant, query(signed_at), signed_at), _standing(grant, query(now), now)
    return MediaAnswer(
        reading=reading,
        consent=consent,
        grant_id=grant.public_id,
        signed_at=signed_at,
        signed_by_registry=record is not None,
        at_signing=then,
        now=current,
        verdict=_verdict(then, current),
    )
