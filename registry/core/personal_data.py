"""What every domain's `privacy.py` shares: the facts of one performer's erasure, the scrubbing
of free text, and the export's value formats. No ORM import.

A domain that holds a performer's personal data has a `privacy.py` with `PSEUDONYMISED`,
`pseudonymise_performer(performer, erasure)` and `export_performer(performer)`;
`registry.privacy` calls them in the order of `settings.PERFORMER_DATA_MODULES` (docs/concepts/privacy.md,
"Privacy: export and erasure"). They live below every domain so that none imports privacy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from registry.core.actors import Actor

# What a pseudonymised date of birth becomes: a fixed, obviously artificial day, so no age or
# minority can be read from it (the column is NOT NULL and checked against the date of death).
ERASED_DATE_OF_BIRTH = dt.date(1900, 1, 1)


def pseudonym(public_id: str) -> str:
    return f"Erased performer {public_id}"


def pseudonymous_member_number(public_id: str) -> str:
    """Unique (the public id is) and within the 32 characters of the column."""
    return f"E-{public_id.split('_', 1)[-1]}"[:32]


def needles(*, names: Iterable[str], email: str, member_number: str, date_of_birth: str) -> list[str]:
    """The strings that identify the performer in free text, longest first, so "Maya Okafor"
    is replaced whole before "Maya" alone. Single name words shorter than 3 letters are left:
    they match too much that is not the person."""
    found: set[str] = set()
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        found.add(name)
        found.update(word for word in re.split(r"[\s,]+", name) if len(word) >= 3)
    for value in (email, member_number, date_of_birth):
        if value and value.strip():
            found.add(value.strip())
    return sorted(found, key=lambda s: (-len(s), s))


def scrub(text: str, targets: Sequence[str], replacement: str) -> str:
    """`text` with every whole-word occurrence of a target (any case) replaced."""
    if not text or not targets:
        return text
    pattern = "|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in targets)
    return re.sub(pattern, replacement, text, flags=re.IGNORECASE)


def scrub_json(value, targets: Sequence[str], replacement: str):
    """`scrub` applied to every string in a JSON value (keys included)."""
    if isinstance(value, str):
        return scrub(value, targets, replacement)
    if isinstance(value, list):
        return [scrub_json(v, targets, replacement) for v in value]
    if isinstance(value, dict):
        return {scrub(k, targets, replacement): scrub_json(v, targets, replacement) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Erasure:
    """One performer's erasure as every domain needs it, captured before any row changes (so
    no domain depends on another having run first)."""

    public_id: str
    pseudonym: str  # replaces their name wherever a name is required
    member_number: str  # the pseudonymous member number their record now carries
    former_member_number: str
    former_email: str
    # Their names, email, member number and date of birth, longest first: for scrubbing text.
    needles: tuple[str, ...]
    # The same with their representatives' names: for text a representative may have signed.
    needles_with_representatives: tuple[str, ...]
    # Whole names and email only: for caches searched by substring, where single words match too much.
    identifiers: tuple[str, ...]
    actor: Actor  # who carries it out; domains pass it to the services they call
    at: dt.datetime  # when it is carried out

    @classmethod
    def of(
        cls,
        *,
        public_id: str,
        legal_name: str,
        professional_name: str,
        email: str,
        member_number: str,
        date_of_birth: dt.date,
        representative_names: Iterable[str],
        actor: Actor,
        at: dt.datetime,
    ) -> Erasure:
        own = needles(
            names=[legal_name, professional_name],
            email=email,
            member_number=member_number,
            date_of_birth=date_of_birth.isoformat(),
        )
        with_representatives = set(own) | {name for name in representative_names if name}
        return cls(
            public_id=public_id,
            pseudonym=pseudonym(public_id),
            member_number=pseudonymous_member_number(public_id),
            former_member_number=member_number,
            former_email=email,
            needles=tuple(own),
            needles_with_representatives=tuple(sorted(with_representatives, key=lambda s: (-len(s), s))),
            identifiers=tuple(s for s in (legal_name, professional_name, email) if s),
            actor=actor,
            at=at,
        )

    def scrub(self, value):
        return scrub_json(value, self.needles, self.pseudonym)

    def scrub_with_representatives(self, value):
        return scrub_json(value, self.needles_with_representatives, self.pseudonym)

    def scrub_rows(self, rows: Iterable, fields: Sequence[str]) -> int:
        """Scrub `fields` of each row and save the rows that changed; returns how many did."""
        changed = 0
        for row in rows:
            dirty = []
            for name in fields:
                old = getattr(row, name)
                new = self.scrub(old)
                if new != old:
                    setattr(row, name, new)
                    dirty.append(name)
            if dirty:
                row.save(update_fields=dirty)
                changed += 1
        return changed


# Rows changed per model; registry.privacy records them per table in the erasure's audit event.
RowsChanged = Counter[type]


class PerformerDataModule(Protocol):
    """What a domain's `privacy.py` provides (a module satisfies this protocol)."""

    # The domain's models whose rows pseudonymise_performer may rewrite or delete.
    PSEUDONYMISED: tuple[type, ...]

    def pseudonymise_performer(self, performer: Any, erasure: Erasure) -> RowsChanged:
        """Replace the performer's personal data in the domain's tables, inside the erasure's
        transaction; returns the rows changed per model (only models in PSEUDONYMISED)."""
        ...

    def export_performer(self, performer: Any) -> dict[str, Any]:
        """The domain's sections of the performer's export document, in document order."""
        ...


# --- The export's value formats --------------------------------------------------------------
def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def money(value) -> str | None:
    return str(value) if value is not None else None


def party(obj) -> dict | None:
    """A studio (or other party) as the export names it."""
    return {"id": obj.public_id, "name": obj.legal_name} if obj is not None else None
