"""Usage lines reported about a performer, for privacy's export and erasure (the contract is in
registry/core/personal_data.py)."""

from __future__ import annotations

from typing import Any

from registry.core.personal_data import Erasure, RowsChanged, iso, money, party
from registry.parties.models import Performer
from registry.usage.models import UsageLine

PSEUDONYMISED = (UsageLine,)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    changes = RowsChanged()
    changes[UsageLine] += erasure.scrub_rows(
        UsageLine.objects.filter(performer=performer), ["violation_detail", "retraction_reason"]
    )
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """`usage_lines`: every line reported about them, with violations and retractions."""
    qs = (
        UsageLine.objects.filter(performer=performer)
        .select_related("report", "studio", "grant", "agreement")
        .order_by("use_date", "id")
    )
    return {
        "usage_lines": [
            {
                "line_id": u.line_ref,
                "report": u.report.public_id,
                "studio": party(u.studio),
                "kind": u.kind,
                "status": u.status,
                "grant": u.grant.public_id if u.grant else None,
                "agreement": u.agreement.code,
                "project": {
                    "kind": u.project_kind,
                    "title": u.project_title,
                    "production_number": u.production_number,
                },
                "use_date": iso(u.use_date),
                "units": money(u.units),
                "unit": u.unit,
                "role_category": u.role_category,
                "estimated_days": money(u.estimated_days),
                "negotiated_amount": money(u.negotiated_amount),
                "currency": u.currency,
                "media": list(u.media),
                "territory": list(u.territory),
                "violation": {"code": u.violation_code, "detail": u.violation_detail} if u.violation_code else None,
                "retracted_at": iso(u.retracted_at),
                "retraction_reason": u.retraction_reason,
            }
            for u in qs
        ]
    }
