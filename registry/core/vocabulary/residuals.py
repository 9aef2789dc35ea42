"""The vocabulary of residuals: a viewing report's qualification, a licence share's consent basis."""

from registry.core.vocabulary import Vocabulary


class QualificationOutcome(Vocabulary):
    QUALIFIED = "qualified", "Qualified: the bonus is paid"
    BELOW_THRESHOLD = "below_threshold", "Below the threshold"
    ALREADY_QUALIFIED = "already_qualified", "Already qualified this exhibition year: not paid again"
    NOT_ELIGIBLE = "not_eligible", "Not eligible (not high-budget streaming, or a year the agreement excludes)"


class ConsentBasis(Vocabulary):
    GRANT = "grant", "The performer's training grant"
    UNION = "union", "The union, where the agreement gives it that role"
    NONE = "none", "No consent: a violation case is open"
