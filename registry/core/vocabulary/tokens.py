"""The vocabulary of signing keys: their statuses."""

from registry.core.vocabulary import Vocabulary


class KeyStatus(Vocabulary):
    ACTIVE = "active", "Active: signs new tokens"
    RETIRED = "retired", "Retired: published while its tokens can be valid"
    COMPROMISED = "compromised", "Compromised: unpublished, its tokens invalid"
