"""The vocabulary of usage reports: kinds of use, units, line statuses."""

from registry.core.vocabulary import Vocabulary


class UsageKind(Vocabulary):
    SCAN_SESSION = "scan_session", "Scan session"
    REPLICA_USE = "replica_use", "Replica use"
    VOICE_REPLICA_USE = "voice_replica_use", "Voice replica use"
    DIGITAL_ALTERATION = "digital_alteration", "Digital alteration"
    REALTIME_GENERATION = "realtime_generation", "Real-time generation"
    TRAINING_USE = "training_use", "Training use"
    SYNTHETIC_STANDIN = "synthetic_standin", "Synthetic performer stand-in"
    SYNTHETIC_VOICE_TRACK = "synthetic_voice_track", "Synthetic voice track"
    STREAMING_VIEWS = "streaming_views", "Streaming views"


class UsageUnit(Vocabulary):
    DAYS = "days", "Days"
    SESSIONS = "sessions", "Sessions"
    TRACKS = "tracks", "Tracks"
    HOURS_VIEWED = "hours_viewed", "Hours viewed"
    RUNS = "runs", "Training runs"
    USES = "uses", "Uses (spots, episodes, releases)"


class LineStatus(Vocabulary):
    ACCEPTED = "accepted", "Accepted: covered, billable"
    VIOLATION = "violation", "Not covered by valid consent: a case is open"
    RETRACTED = "retracted", "Retracted by the studio"
    # DOMAIN.md 2.7: kept for the record, never billed (billing takes accepted lines only);
    # union staff review the claim, and a rejection makes it a violation.
    EXEMPT = "exempt", "Exempt alteration claimed: kept, not billed"


class ExemptionReview(Vocabulary):
    """What union staff decided about a claimed alteration exemption (DOMAIN.md 2.7)."""

    UPHELD = "upheld", "Upheld: no consent was needed"
    REJECTED = "rejected", "Rejected: a violation case is open"


class ViolationCode(Vocabulary):
    """Why a usage line is a violation, beyond a check's reasons (CheckReasonCode)."""

    EXEMPTION_REJECTED = "exemption_rejected", "Union staff rejected the claimed exemption"
    # DOMAIN.md 2.12: a synthetic performer used before its notice, or inside the bargaining window.
    SYNTHETIC_BEFORE_NOTICE = "synthetic_before_notice", "Synthetic performer used before its notice was filed"
    SYNTHETIC_DURING_BARGAINING = (
        "synthetic_during_bargaining",
        "Synthetic performer used before the union's bargaining window ended",
    )
    SYNTHETIC_NOTICE_FILED = "synthetic_notice_filed", "Notice filed before use: bargaining with the union"
