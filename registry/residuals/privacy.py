"""A performer's cast roles and residual shares, for privacy's export (the contract is in
registry/core/personal_data.py)."""

from __future__ import annotations

from typing import Any

from registry.core.personal_data import Erasure, RowsChanged, money, party
from registry.parties.models import Performer
from registry.residuals.models import BonusShare, CastMember, LicenceShare

PSEUDONYMISED: tuple[type, ...] = ()


def pseudonymise_performer(performer: Performer, erasure: Erasure) -> RowsChanged:
    """Nothing to rewrite: cast roles name the character, and shares hold amounts, findings
    codes and links to the performer's public id, which stays (registry/privacy/domains.py)."""
    return RowsChanged()


def export_performer(performer: Performer) -> dict[str, Any]:
    """`residuals`: cast roles, streaming-bonus shares, training-licence shares."""
    return {
        "residuals": {
            "cast_roles": [
                {
                    "title": c.title.public_id,
                    "title_name": c.title.name,
                    "studio": party(c.title.studio),
                    "role": c.role,
                    "residual_base": money(c.residual_base),
                    "currency": c.title.currency,
                }
                for c in CastMember.objects.filter(performer=performer).select_related("title__studio").order_by("id")
            ],
            "bonus_shares": [
                {
                    "distribution": s.distribution.public_id,
                    "title": s.distribution.title.public_id,
                    "exhibition_year": s.distribution.exhibition_year,
                    "residual_base": money(s.residual_base),
                    "amount": money(s.amount),
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
                    "residual_base": money(s.residual_base),
                    "amount": money(s.amount),
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
    }
