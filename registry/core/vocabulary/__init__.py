"""The registry's vocabularies: every enumerated value it stores, compares or sends, declared once.

One module per domain (`consent`, `usage`, `billing`, ...), all here in core, for two reasons.
Words cross the layers where code may not: the token layer maps grant statuses to status-list
values and webhooks announce them, though both sit below consent; privacy exports every
domain's statuses; billing reads usage's line statuses. A vocabulary holds no behaviour, so
declaring it at the bottom makes no layer depend on another's code, and every layer, pure rules
included, can import it. And one home answers "where is this word declared?" without knowing
who uses it: a vocabulary never has to move down when a lower layer starts needing it.

Each vocabulary is a `Vocabulary`: a `StrEnum` whose members carry a label, and whose class
offers `.choices`, `.values`, `.labels` and `.names` as Django's `TextChoices` does, so a model
field says `choices=GrantStatus.choices`. Nothing here imports Django: the pure rules
(`registry/*/rules.py`) import these enums and compare members, never bare strings
(tests/test_vocabulary.py holds the code to that). The audit trail's actions and subjects are a
catalogue of their own in `registry/audit/catalogue.py`, problem types in
`registry/core/problems.py`. Some words stay with the code that owns them: token status-list
values with their codec (`registry/tokens/statuslist.py`: the IETF draft fixes the numbers), the
offline verifier's result statuses in `registry/tokens/verifier.py` (it runs copied out alone),
and the plain StrEnums that one module's logic speaks (an actor's kind in `core/actors.py`, a
caller's in `parties/callers.py`, authority's capacities and acts in `parties/rules.py`, an audit
chain's break reasons in `audit/chain.py`).
"""

from __future__ import annotations

import enum


class VocabularyType(enum.EnumType):
    """The class-level views Django's model and form fields take as choices."""

    @property
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]

    @property
    def values(cls) -> list[str]:
        return [member.value for member in cls]

    @property
    def labels(cls) -> list[str]:
        return [member.label for member in cls]

    @property
    def names(cls) -> list[str]:
        return [member.name for member in cls]


class Vocabulary(enum.StrEnum, metaclass=VocabularyType):
    """A closed set of values, each with a label: `ACTIVE = "active", "Active"`.

    Members are strings (`GrantStatus.ACTIVE == "active"`), so they are stored, compared, hashed
    and serialised as their value. Without a label, the value is its own label."""

    # Django templates call what is callable; a vocabulary class passed to one stays a class.
    do_not_call_in_templates = enum.nonmember(True)

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        return member

    @property
    def label(self) -> str:
        return self._label
