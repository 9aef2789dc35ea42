"""Cases concerning a performer, for privacy's export and erasure (the contract is in
registry/core/personal_data.py)."""

from __future__ import annotations

from typing import Any

from registry.cases.models import Case
from registry.core.personal_data import Erasure, RowsChanged, iso, party
from registry.parties.models import Performer

PSEUDONYMISED = (Case,)


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    changes = RowsChanged()
    changes[Case] += erasure.scrub_rows(
        Case.objects.filter(performer=performer), ["summary", "justification", "outcome", "notes"]
    )
    return changes


def export_performer(performer: Performer) -> dict[str, Any]:
    """`cases`. Staff working notes are not exported: they can hold the union's legal assessment
    of a claim. The summary, the studio's justification and the outcome are."""
    return {
        "cases": [
            {
                "id": c.public_id,
                "kind": c.kind,
                "status": c.status,
                "studio": party(c.studio),
                "production_number": c.production_number,
                "reason_code": c.reason_code,
                "summary": c.summary,
                "justification": c.justification,
                "outcome": c.outcome,
                "opened_at": iso(c.opened_at),
                "resolved_at": iso(c.resolved_at),
            }
            for c in Case.objects.filter(performer=performer).select_related("studio").order_by("id")
        ]
    }
