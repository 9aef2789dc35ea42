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
