"""The domains that hold a performer's personal data, and what erasure keeps on purpose.

Each domain's `privacy.py` (registry/core/personal_data.py `PerformerDataModule`) pseudonymises
and exports its own tables. They are named in settings.PERFORMER_DATA_MODULES rather than
imported here because two of them (the API and the portal) sit above privacy, which they call;
the list is also the order erasure runs them and the export lists their sections.
tests/privacy/test_coverage.py walks every model that refers to a performer and fails on one that
no module pseudonymises and KEPT_AS_IS does not name.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from registry.core.personal_data import PerformerDataModule
from registry.privacy.models import ErasureRequest

# Privacy's own table: erasure_carry_out completes the request and empties the requester's reason.
PSEUDONYMISED = (ErasureRequest,)

# Models that refer to a performer and that erasure leaves exactly as they are, with the reason
# (app label.Model -> why). Their link to the performer is the public id, which stays and now
# names the pseudonym.
KEPT_AS_IS: dict[str, str] = {
    "audit.AuditEvent": "append-only and hash-chained: rewriting an entry breaks the chain that proves "
    "consent predated use (docs/concepts/privacy.md, 'The audit log is the known limit')",
    "consent.ConsentGrant": "the signed grant: scope, term and status, linked by ids; no names",
    "consent.DescriptionVersion": "its SHA-256 is what was signed and what every token carries",
    "consent.PerformerPreferences": "choices (do-not-train, opt-outs, rate floor), not identity",
    "tokens.ConsentToken": "signed JWS whose claims carry ids, no names; must verify as before",
    "tokens.HolderKey": "a public key (and for a performer the key the registry keeps to present for them): "
    "no names; presentations made with it must verify as before",
    "tokens.SharedPresentation": "a signed presentation the performer chose to share: ids and consent terms, no "
    "names; it must verify as before while its link lives (at most PRESENTATION_LINK_DAYS)",
    "media.MediaCredential": "a record of a file the registry signed (ids, the file's hash, the time): no names; "
    "files carrying the manifest must keep verifying",
    "usage.FeatureBorrowing": "which feature a synthetic performer borrows under which grant: a link",
    "usage.Retraction": "when a usage line was retracted (ids, its use date, the time): no names; the reason "
    "stays on the line, which is pseudonymised with the rest of the performer's lines",
    "usage.SyntheticNotice": "a studio's notice about its own synthetic performer (role, dates, justification): "
    "no performer's personal data",
    "consent.ConsentCheckRecord": "evidence of a studio's check (DOMAIN.md 2.14): ids, the use as the studio stated "
    "it and the answer; no names of the performer",
    "parties.EstateSearch": "the union's record of its search for an estate, which a signature rests on "
    "(DOMAIN.md 2.8): staff's words about the search, kept as the signature is",
    "billing.Posting": "ledger amounts: the ledger must still reconcile",
    "billing.Payout": "an amount paid out, linked by id (the remittance file names the pseudonym): "
    "financial records are kept and the ledger must still reconcile",
    "residuals.CastMember": "the character's name and the residual base",
    "residuals.BonusShare": "amounts owed or paid: financial records are kept",
    "residuals.LicenceShare": "amounts, the consent basis and findings codes: financial records are kept",
    "residuals.TrainingLicence": "the studio's licence to a third party, related only through its notice case",
}


def performer_data_modules() -> list[PerformerDataModule]:
    return [import_module(path) for path in settings.PERFORMER_DATA_MODULES]
