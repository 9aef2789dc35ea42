"""Consent requests, signatures, grants and preferences, for privacy's export and erasure (the
contract is in registry/core/personal_data.py)."""

from __future__ import annotations

from typing import Any

from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    GrantStatusChange,
    PerformerPreferences,
    Signature,
    Suspension,
)
from registry.core.personal_data import Erasure, RowsChanged, iso, money, party
from registry.core.vocabulary.consent import SignerRole
from registry.parties.models import Performer

PSEUDONYMISED = (Signature, ConsentRequest, GrantStatusChange, Suspension)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    changes = RowsChanged()
    # Signatures: the signed facts (role, description hash, attestation, time) stay; who typed
    # the name and from which address and browser go.
    for sig in Signature.objects.filter(request__performer=performer).order_by("id"):
        sig.signer_name = (
            erasure.pseudonym
            if sig.signer_role == SignerRole.PERFORMER
            else f"{sig.signer_role} for {erasure.public_id}"
        )
        sig.client_ip = None
        sig.user_agent = ""
        sig.attestation_text = erasure.scrub_with_representatives(sig.attestation_text)
        sig.represented_by = erasure.scrub_with_representatives(sig.represented_by)
        sig.save(update_fields=["signer_name", "client_ip", "user_agent", "attestation_text", "represented_by"])
        changes[Signature] += 1

    # Free text about the performer. Description versions are not touched: their SHA-256 is
    # what was signed and what every token carries.
    changes[ConsentRequest] += erasure.scrub_rows(
        ConsentRequest.objects.filter(performer=performer), ["decline_reason", "business_reason"]
    )
    changes[GrantStatusChange] += erasure.scrub_rows(
        GrantStatusChange.objects.filter(grant__performer=performer), ["reason"]
    )
    changes[Suspension] += erasure.scrub_rows(Suspension.objects.filter(grant__performer=performer), ["reason"])
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """`preferences`, `consent_requests` and `grants` (with their tokens)."""
    return {
        "preferences": _preferences(performer),
        "consent_requests": _requests(performer),
        "grants": _grants(performer),
    }


def _project(obj) -> dict:
    return {
        "kind": obj.project_kind,
        "title": obj.project_title,
        "production_number": obj.production_number,
        "advertiser": obj.advertiser,
        "product_line": obj.product_line,
    }


def _preferences(performer: Performer) -> dict | None:
    prefs = PerformerPreferences.objects.filter(performer=performer).first()
    if prefs is None:
        return None
    return {
        "do_not_train": prefs.do_not_train,
        "opt_out_categories": list(prefs.opt_out_categories),
        "declined_uses": list(prefs.declined_uses),
        "rate_floor": None
        if prefs.rate_floor_amount is None
        else {
            "amount": money(prefs.rate_floor_amount),
            "currency": prefs.rate_floor_currency,
            "unit": prefs.rate_floor_unit,
        },
        "updated_at": iso(prefs.updated_at),
    }


def _signature(request: ConsentRequest) -> dict | None:
    sig = getattr(request, "signature", None)
    if sig is None:
        return None
    return {
        "signer_role": sig.signer_role,
        "signer_name": sig.signer_name,
        "representative": str(sig.representative_id) if sig.representative_id else None,
        "method": sig.method,
        "description_version": sig.description_version.version,
        "description_sha256": sig.description_sha256,
        "attestation_text": sig.attestation_text,
        "represented_by": sig.represented_by,
        "signed_at": iso(sig.signed_at),
        "client_ip": sig.client_ip,
        "user_agent": sig.user_agent,
    }


def _requests(performer: Performer) -> list[dict]:
    qs = (
        ConsentRequest.objects.filter(performer=performer)
        .select_related("studio", "agreement", "amends", "signature__description_version")
        .prefetch_related("description_versions")
        .order_by("id")
    )
    return [
        {
            "id": r.public_id,
            "studio": party(r.studio),
            "agreement": r.agreement.code,
            "use": r.use,
            "project": _project(r),
            "status": r.status,
            "requested_at": iso(r.requested_at),
            "expires_at": iso(r.expires_at),
            "answered_at": iso(r.answered_at),
            "scan_at": iso(r.scan_at),
            "engaged_at": iso(r.engaged_at),
            "business_reason": r.business_reason,
            "compensation": {
                "amount": money(r.compensation_amount),
                "currency": r.compensation_currency,
                "unit": r.compensation_unit,
                "estimated_days": money(r.estimated_days),
            },
            "amends": r.amends.public_id if r.amends else None,
            "decline": {"reason": r.decline_reason, "automatic": r.auto_declined, "codes": list(r.decline_codes)},
            "description_versions": [
                {"version": d.version, "sha256": d.sha256, "created_at": iso(d.created_at), "content": d.content}
                for d in sorted(r.description_versions.all(), key=lambda d: d.version)
            ],
            "signature": _signature(r),
        }
        for r in qs
    ]


def _grants(performer: Performer) -> list[dict]:
    qs = (
        ConsentGrant.objects.filter(performer=performer)
        .select_related("studio", "agreement", "request", "supersedes")
        .prefetch_related(
            "status_changes__strike", "suspensions__strike", "tokens__signing_key", "tokens__status_list"
        )
        .order_by("id")
    )
    return [
        {
            "id": g.public_id,
            "lineage": g.lineage_id,
            "version": g.version,
            "request": g.request.public_id,
            "supersedes": g.supersedes.public_id if g.supersedes else None,
            "studio": party(g.studio),
            "agreement": g.agreement.code,
            "use": g.use,
            "project": _project(g),
            "media": list(g.media),
            "territory": list(g.territory),
            "term_start": iso(g.term_start),
            "term_end": iso(g.term_end),
            "future_spots": g.future_spots,
            "description_sha256": g.description_sha256,
            "signer_role": g.signer_role,
            "status": g.status,
            "activated_at": iso(g.activated_at),
            "ended_at": iso(g.ended_at),
            "status_history": [
                {
                    "from": c.from_status,
                    "to": c.to_status,
                    "at": iso(c.at),
                    "reason": c.reason,
                    "strike": c.strike.public_id if c.strike else None,
                }
                for c in sorted(g.status_changes.all(), key=lambda c: (c.at, c.pk))
            ],
            "suspensions": [
                {
                    "cause": s.cause,
                    "strike": s.strike.public_id if s.strike else None,
                    "reason": s.reason,
                    "started_at": iso(s.started_at),
                    "ended_at": iso(s.ended_at),
                }
                for s in sorted(g.suspensions.all(), key=lambda s: (s.started_at, s.pk))
            ],
            # The grant's tokens are exported with it: the tokens app holds them by grant.
            "tokens": [
                {
                    "kid": t.signing_key.kid,
                    "status": t.get_status_display(),
                    "status_list": t.status_list.public_id,
                    "status_index": t.status_index,
                    "issued_at": iso(t.issued_at),
                    "not_before": iso(t.not_before),
                    "expires_at": iso(t.expires_at),
                    "token": t.jws,
                }
                for t in sorted(g.tokens.all(), key=lambda t: t.pk)
            ],
        }
        for g in qs
    ]
