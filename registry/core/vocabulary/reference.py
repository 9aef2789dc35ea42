"""Reference data's provenance: how sure we are of a published figure or rule (DOMAIN.md)."""

from registry.core.vocabulary import Vocabulary


class Confidence(Vocabulary):
    """Several sources agree, one good source, or weak or derived."""

    HIGH = "H", "High: several sources agree"
    MEDIUM = "M", "Medium: one good source"
    LOW = "L", "Low: weak or derived"
