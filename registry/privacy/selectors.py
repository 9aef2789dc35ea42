"""Reads for privacy: everything the registry holds about one performer (the export), what
obliges it to keep their data (the erasure rules' input), and the erasure requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from registry.audit.selectors import audit_events_for_performer
from registry.billing import rating
from registry.billing.models import AccountKind, InvoiceLine, LedgerAccount, Posting
from registry.billing.money import round_money
from registry.cases.models import Case, CaseStatus
from registry.consent.choices import RequestStatus
from registry.consent.models import (
    LIVE_GRANT_STATUSES,
    ConsentGrant,
    ConsentRequest,
    PerformerPreferences,
)
from registry.parties.models import Performer
from registry.portal.models import JoinRequest, PortalInvitation
from registry.privacy import rules
from registry.privacy.models import ErasureRequest, ErasureStatus
from registry.residuals.models import BonusShare, CastMember, LicenceShare
from registry.usage.models import LineStatus, UsageLine

EXPORT_FORMAT = "registry-performer-export"
EXPORT_VERSION = 1


def erasure_requests_of(performer: Performer) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(performer=performer)


def is_erased(performer: Performer) -> bool:
    return ErasureRequest.objects.filter(performer=performer, status=ErasureStatus.COMPLETED).exists()


# --- What obliges the registry to keep the data ------------------------------------------------
def unbilled_lines(performer: Performer) -> QuerySet[UsageLine]:
    """Accepted, billable lines about the performer with no standing charge yet."""
    charged = InvoiceLine.objects.filter(
        usage_line=OuterRef("pk"), is_credit=False, released=False, corrects__isnull=True
    )
    return UsageLine.objects.filter(
        performer=performer, status=LineStatus.ACCEPTED, kind__in=list(rating.RATERS)
    ).filter(~Exists(charged))


def owed_to(performer: Performer) -> dict[str, Decimal]:
    """Currency -> the balance of the performer's payable accounts, as money owed to them
    (credits are negative postings, so the amount owed is minus the sum)."""
    rows = (
        Posting.objects.filter(account__performer=performer, account__kind=AccountKind.PAYABLE)
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    # SQLite sums decimals without their scale; round_money gives "3738.00" on both databases.
    return {row["currency"]: round_money(-row["total"]) for row in rows if row["total"]}


def holdings(performer: Performer, *, now: dt.datetime | None = None) -> rules.Holdings:
    now = now or timezone.now()
    return rules.Holdings(
        already_erased=is_erased(performer),
        live_grant_ids=list(
            ConsentGrant.objects.filter(performer=performer, status__in=LIVE_GRANT_STATUSES)
            .order_by("id")
            .values_list("public_id", flat=True)
        ),
        # A pending request past its expiry can no longer be answered; the sweep marks it soon.
        pending_request_ids=list(
            ConsentRequest.objects.filter(performer=performer, status=RequestStatus.PENDING, expires_at__gt=now)
            .order_by("id")
            .values_list("public_id", flat=True)
        ),
        open_case_ids=list(
            Case.objects.filter(performer=performer)
            .exclude(status=CaseStatus.RESOLVED)
            .order_by("id")
            .values_list("public_id", flat=True)
        ),
        unbilled_line_refs=list(unbilled_lines(performer).order_by("id").values_list("line_ref", flat=True)),
        owed=owed_to(performer),
    )


# --- The export ------------------------------------------------------------------------------
def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value) -> str | None:
    return str(value) if value is not None else None


def _party(obj) -> dict | None:
    return {"id": obj.public_id, "name": obj.legal_name} if obj is not None else None


def _project(obj) -> dict:
    return {
        "kind": obj.project_kind,
        "title": obj.project_title,
        "production_number": obj.production_number,
        "advertiser": obj.advertiser,
        "product_line": obj.product_line,
    }


def _performer_section(performer: Performer) -> dict:
    user = performer.user
    return {
        "id": performer.public_id,
        "member_number": performer.member_number,
        "legal_name": performer.legal_name,
        "professional_name": performer.professional_name,
        "email": performer.email,
        "date_of_birth": _iso(performer.date_of_birth),
        "date_of_death": _iso(performer.date_of_death),
        "created_at": _iso(performer.created_at),
        "erased": is_erased(performer),
        "portal_login": None
        if user is None
        else {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": user.is_active,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
    }


def _representatives(performer: Performer) -> list[dict]:
    return [
        {
            "id": str(rep.pk),
            "kind": rep.kind,
            "name": rep.name,
            "email": rep.email,
            "valid_from": _iso(rep.valid_from),
            "valid_to": _iso(rep.valid_to),
            "authority_document": rep.authority_document,
            "revoked_at": _iso(rep.revoked_at),
            "created_at": _iso(rep.created_at),
        }
        for rep in performer.representatives.order_by("id")
    ]


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
            "amount": _money(prefs.rate_floor_amount),
            "currency": prefs.rate_floor_currency,
            "unit": prefs.rate_floor_unit,
        },
        "updated_at": _iso(prefs.updated_at),
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
        "signed_at": _iso(sig.signed_at),
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
            "studio": _party(r.studio),
            "agreement": r.agreement.code,
            "use": r.use,
            "project": _project(r),
            "status": r.status,
            "requested_at": _iso(r.requested_at),
            "expires_at": _iso(r.expires_at),
            "answered_at": _iso(r.answered_at),
            "scan_at": _iso(r.scan_at),
            "engaged_at": _iso(r.engaged_at),
            "business_reason": r.business_reason,
            "compensation": {
                "amount": _money(r.compensation_amount),
                "currency": r.compensation_currency,
                "unit": r.compensation_unit,
                "estimated_days": _money(r.estimated_days),
            },
            "amends": r.amends.public_id if r.amends else None,
            "decline": {"reason": r.decline_reason, "automatic": r.auto_declined, "codes": list(r.decline_codes)},
            "description_versions": [
                {"version": d.version, "sha256": d.sha256, "created_at": _iso(d.created_at), "content": d.content}
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
            "studio": _party(g.studio),
            "agreement": g.agreement.code,
            "use": g.use,
            "project": _project(g),
            "media": list(g.media),
            "territory": list(g.territory),
            "term_start": _iso(g.term_start),
            "term_end": _iso(g.term_end),
            "future_spots": g.future_spots,
            "description_sha256": g.description_sha256,
            "signer_role": g.signer_role,
            "status": g.status,
            "activated_at": _iso(g.activated_at),
            "ended_at": _iso(g.ended_at),
            "status_history": [
                {
                    "from": c.from_status,
                    "to": c.to_status,
                    "at": _iso(c.at),
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
                    "started_at": _iso(s.started_at),
                    "ended_at": _iso(s.ended_at),
                }
                for s in sorted(g.suspensions.all(), key=lambda s: (s.started_at, s.pk))
            ],
            "tokens": [
                {
                    "kid": t.signing_key.kid,
                    "status": t.get_status_display(),
                    "status_list": t.status_list.public_id,
                    "status_index": t.status_index,
                    "issued_at": _iso(t.issued_at),
                    "not_before": _iso(t.not_before),
                    "expires_at": _iso(t.expires_at),
                    "token": t.jws,
                }
                for t in sorted(g.tokens.all(), key=lambda t: t.pk)
            ],
        }
        for g in qs
    ]


def _usage_lines(performer: Performer) -> list[dict]:
    qs = (
        UsageLine.objects.filter(performer=performer)
        .select_related("report", "studio", "grant", "agreement")
        .order_by("use_date", "id")
    )
    return [
        {
            "line_id": u.line_ref,
            "report": u.report.public_id,
            "studio": _party(u.studio),
            "kind": u.kind,
            "status": u.status,
            "grant": u.grant.public_id if u.grant else None,
            "agreement": u.agreement.code,
            "project": {"kind": u.project_kind, "title": u.project_title, "production_number": u.production_number},
            "use_date": _iso(u.use_date),
            "units": _money(u.units),
            "unit": u.unit,
            "role_category": u.role_category,
            "estimated_days": _money(u.estimated_days),
            "negotiated_amount": _money(u.negotiated_amount),
            "currency": u.currency,
            "media": list(u.media),
            "territory": list(u.territory),
            "violation": {"code": u.violation_code, "detail": u.violation_detail} if u.violation_code else None,
            "retracted_at": _iso(u.retracted_at),
            "retraction_reason": u.retraction_reason,
        }
        for u in qs
    ]


def _earnings(performer: Performer) -> dict:
    lines = (
        InvoiceLine.objects.filter(performer=performer)
        .select_related("invoice__studio", "usage_line")
        .order_by("invoice__period", "id")
    )
    accounts = LedgerAccount.objects.filter(performer=performer).order_by("code")
    postings = Posting.objects.filter(account__performer=performer).select_related("entry", "account")
    by_account: dict[int, list[dict]] = {}
    for p in postings.order_by("entry__posted_at", "id"):
        by_account.setdefault(p.account_id, []).append(
            {
                "entry": p.entry.public_id,
                "posted_at": _iso(p.entry.posted_at),
                "memo": p.entry.memo,
                "amount": _money(p.amount),
            }
        )
    return {
        "document_lines": [
            {
                "document": line.invoice.number or line.invoice.public_id,
                "document_type": line.invoice.document_type,
                "document_status": line.invoice.status,
                "period": _iso(line.invoice.period),
                "studio": _party(line.invoice.studio),
                "usage_line": line.usage_line.line_ref if line.usage_line else None,
                "is_credit": line.is_credit,
                "description": line.description,
                "explanation": line.explanation,
                "performer_pay": _money(line.performer_pay),
                "currency": line.invoice.currency,
            }
            for line in lines
        ],
        "ledger_accounts": [
            {
                "code": a.code,
                "name": a.name,
                "currency": a.currency,
                # Money the registry owes the performer on this account now.
                "owed": _money(-sum((Decimal(p["amount"]) for p in by_account.get(a.pk, [])), Decimal("0"))),
                "postings": by_account.get(a.pk, []),
            }
            for a in accounts
        ],
    }


def _residuals(performer: Performer) -> dict:
    return {
        "cast_roles": [
            {
                "title": c.title.public_id,
                "title_name": c.title.name,
                "studio": _party(c.title.studio),
                "role": c.role,
                "residual_base": _money(c.residual_base),
                "currency": c.title.currency,
            }
            for c in CastMember.objects.filter(performer=performer).select_related("title__studio").order_by("id")
        ],
        "bonus_shares": [
            {
                "distribution": s.distribution.public_id,
                "title": s.distribution.title.public_id,
                "exhibition_year": s.distribution.exhibition_year,
                "residual_base": _money(s.residual_base),
                "amount": _money(s.amount),
                "currency": s.distribution.currency,
            }
            for s in BonusShare.objects.filter(performer=performer)
            .select_related("distribution__title")
            .order_by("id")
        ],
        "licence_shares": [
            {
                "licence": s.licence.public_id,
                "title": s.licence.title.public_id,
                "licensee": s.licence.licensee,
                "residual_base": _money(s.residual_base),
                "amount": _money(s.amount),
                "currency": s.licence.currency,
                "consent_basis": s.consent_basis,
                "grant": s.grant.public_id if s.grant else None,
                "findings": s.findings,
            }
            for s in LicenceShare.objects.filter(performer=performer)
            .select_related("licence__title", "grant")
            .order_by("id")
        ],
    }


def _cases(performer: Performer) -> list[dict]:
    # Staff working notes are not exported: they can hold the union's legal assessment of a
    # claim. The summary, the studio's justification and the outcome are.
    return [
        {
            "id": c.public_id,
            "kind": c.kind,
            "status": c.status,
            "studio": _party(c.studio),
            "production_number": c.production_number,
            "reason_code": c.reason_code,
            "summary": c.summary,
            "justification": c.justification,
            "outcome": c.outcome,
            "opened_at": _iso(c.opened_at),
            "resolved_at": _iso(c.resolved_at),
        }
        for c in Case.objects.filter(performer=performer).select_related("studio").order_by("id")
    ]


def _portal(performer: Performer) -> dict:
    join_filter = {"member_number": performer.member_number}
    return {
        "invitations": [
            {"email": i.email, "sent_at": _iso(i.sent_at), "accepted_at": _iso(i.accepted_at)}
            for i in PortalInvitation.objects.filter(performer=performer).order_by("id")
        ],
        "join_requests": [
            {
                "member_number": j.member_number,
                "legal_name": j.legal_name,
                "email": j.email,
                "date_of_birth": _iso(j.date_of_birth),
                "status": j.status,
                "submitted_at": _iso(j.submitted_at),
                "decided_at": _iso(j.decided_at),
            }
            for j in JoinRequest.objects.filter(**join_filter).order_by("id")
        ],
    }


def _erasure_requests(performer: Performer) -> list[dict]:
    return [erasure_request_view(e) for e in erasure_requests_of(performer).order_by("id")]


def erasure_request_view(e: ErasureRequest) -> dict:
    return {
        "id": e.public_id,
        "performer": e.performer.public_id,
        "status": e.status,
        "requested_at": _iso(e.requested_at),
        "requested_by": {"kind": e.requested_by_kind, "id": e.requested_by_id},
        "reason": e.reason,
        "decided_at": _iso(e.decided_at),
        "refusal": {"codes": list(e.refusal_codes), "detail": e.refusal_detail} if e.refusal_codes else None,
        "changes": e.changes or None,
    }


def _audit(performer: Performer) -> list[dict]:
    return [
        {
            "seq": e.id,
            "occurred_at": _iso(e.occurred_at),
            "action": e.action,
            "actor": {"kind": e.actor_kind, "id": e.actor_id, "name": e.actor_name},
            "subject": {"type": e.subject_type, "id": e.subject_id},
            "studio": e.studio_id,
            "data": e.data,
            "content_hash": e.content_hash,
        }
        for e in audit_events_for_performer(performer.public_id).order_by("id").iterator(chunk_size=500)
    ]


def performer_export(performer: Performer, *, now: dt.datetime | None = None) -> dict:
    """One JSON document with everything the registry holds about the performer. The shape is
    versioned (`version`); a new key may be added, none removed or renamed within a version."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": _iso(now or timezone.now()),
        "performer": _performer_section(performer),
        "representatives": _representatives(performer),
        "preferences": _preferences(performer),
        "consent_requests": _requests(performer),
        "grants": _grants(performer),
        "usage_lines": _usage_lines(performer),
        "earnings": _earnings(performer),
        "residuals": _residuals(performer),
        "cases": _cases(performer),
        "portal": _portal(performer),
        "erasure_requests": _erasure_requests(performer),
        "audit_events": _audit(performer),
    }


EXPORT_SECTIONS = (
    "performer",
    "representatives",
    "preferences",
    "consent_requests",
    "grants",
    "usage_lines",
    "earnings",
    "residuals",
    "cases",
    "portal",
    "erasure_requests",
    "audit_events",
)
