"""Who did something: passed to every service function and copied into the audit trail.

The name is copied, not referenced, so history reads the same after a party is deleted or
pseudonymised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    PERFORMER = "performer"
    REPRESENTATIVE = "representative"
    STUDIO = "studio"
    STAFF = "staff"
    SYSTEM = "system"
    PUBLIC = "public"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str  # a public id, user id or key prefix, as text
    name: str

    @classmethod
    def system(cls, name: str = "registry") -> Actor:
        return cls(kind=ActorKind.SYSTEM, id="system", name=name)

    def as_dict(self) -> dict[str, str]:
        return {"kind": str(self.kind), "id": self.id, "name": self.name}
