"""The vocabulary of consent: uses, project kinds, statuses, signers, flags, check reasons."""

from registry.core.vocabulary import Vocabulary


class UseType(Vocabulary):
    """Separate uses: consent to one never implies another (DOMAIN.md 2.5)."""

    REPLICA_CREATION = "replica_creation", "Creating a digital replica (scan)"
    REPLICA_USE = "replica_use", "Using a digital replica"
    DIGITAL_ALTERATION = "digital_alteration", "Digitally altering a recorded performance"
    REALTIME_GENERATION = "realtime_generation", "Real-time generation"
    TRAINING = "training", "Training an AI model"
    VOICE_REPLICA = "voice_replica", "Voice-only replica"
    SYNTHETIC_FEATURE = "synthetic_feature", "A synthetic performer borrowing a feature"


class ProjectKind(Vocabulary):
    PICTURE = "picture", "Motion picture"
    SERIES = "series", "Series season"
    COMMERCIAL = "commercial", "Commercial"
    GAME = "game", "Game"
    RECORDING = "recording", "Sound recording"


class RequestStatus(Vocabulary):
    PENDING = "pending", "Awaiting the performer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired unanswered"


class GrantStatus(Vocabulary):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    SUPERSEDED = "superseded", "Superseded by a newer version"


# Statuses in which a grant can still cover a use; at most one version of a consent is in one.
LIVE_GRANT_STATUSES = (GrantStatus.ACTIVE, GrantStatus.SUSPENDED)
# Statuses a grant never leaves.
TERMINAL_GRANT_STATUSES = frozenset({GrantStatus.REVOKED, GrantStatus.EXPIRED, GrantStatus.SUPERSEDED})


class SignerRole(Vocabulary):
    PERFORMER = "performer", "The performer"
    GUARDIAN = "guardian", "Guardian of a minor performer"
    REPRESENTATIVE = "representative", "Authorised representative (agent or lawyer)"
    ESTATE = "estate", "Estate of a deceased performer"
    UNION = "union", "The union (deceased performer, no reachable estate)"


class SignatureMethod(Vocabulary):
    PORTAL_ATTESTATION = "portal_attestation", "Attestation in the portal"
    UPLOADED_DOCUMENT = "uploaded_document", "Signed document uploaded"


class SuspensionCause(Vocabulary):
    PERFORMER = "performer", "Suspended by the performer"
    STRIKE = "strike", "Suspended by a strike"


class StrikeJobKind(Vocabulary):
    """The background work a strike needs: its grants suspended, then restored."""

    APPLY = "apply", "Suspend the strike's grants"
    LIFT = "lift", "Restore what the strike suspended"


class StrikeJobStatus(Vocabulary):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    STOPPED = "stopped", "Stopped: the strike was lifted first"


class SensitiveFlag(Vocabulary):
    """Content a description must flag; nudity and sexual content are refused for minors."""

    NUDITY = "nudity", "Nudity"
    SEXUAL_CONTENT = "sexual_content", "Sexual content"
    VIOLENCE = "violence", "Graphic violence"
    AGING = "aging", "Aging or de-aging"


class ContentCategory(Vocabulary):
    """Categories a performer can opt out of in their standing preferences."""

    POLITICAL = "political", "Political content"
    ALCOHOL = "alcohol", "Alcohol"
    TOBACCO = "tobacco", "Tobacco or vaping"
    GAMBLING = "gambling", "Gambling"
    SEXUAL_CONTENT = "sexual_content", "Sexual content"
    WEAPONS = "weapons", "Weapons"
    RELIGIOUS = "religious", "Religious content"
    PHARMACEUTICAL = "pharmaceutical", "Pharmaceuticals"


class CompensationUnit(Vocabulary):
    FLAT = "flat", "Flat fee"
    DAY = "day", "Per day"
    WEEK = "week", "Per week"
    SESSION = "session", "Per session"
    USE = "use", "Per use"
    TRAINING_RUN = "training_run", "Per training run"
    REVENUE_SHARE = "revenue_share", "Share of licence revenue (rate)"


class ReplicaOrigin(Vocabulary):
    """How a replica came to be (DOMAIN.md 1, 3.1-3.3): it decides how its use is paid."""

    EMPLOYMENT_BASED = "employment_based", "Employment-based (EBDR): made with the performer taking part"
    INDEPENDENTLY_CREATED = "independently_created", "Independently created (ICDR): made from existing material"


# The uses whose consent names the replica's origin.
REPLICA_USES = frozenset({UseType.REPLICA_USE, UseType.VOICE_REPLICA, UseType.REALTIME_GENERATION})


class AlterationExemption(Vocabulary):
    """Changes that need no consent (DOMAIN.md 2.7); a check records the claimed category."""

    SUBSTANTIALLY_AS_SCRIPTED = "as_scripted", "Substantially as scripted or performed"
    COSMETIC = "cosmetic", "Cosmetic"
    WARDROBE = "wardrobe", "Wardrobe"
    NOISE_REDUCTION = "noise_reduction", "Noise reduction"
    TIMING = "timing", "Timing"
    CONTINUITY = "continuity", "Continuity"
    PITCH_TONE = "pitch_tone", "Pitch or tone"
    EFFECTS = "effects", "Visual or sound effects"
    RATINGS = "ratings", "Ratings or standards"
    DIALOGUE_ADJUSTMENT = "dialogue_adjustment", "Dialogue adjustment"
    DUBBING = "dubbing", "Dubbing or lip-sync"


class ReplicaSource(Vocabulary):
    """What a replica is made from (DOMAIN.md 2.6, section 1 EBDR): a scan session needs scan
    notice; footage shot on the job does not, where the agreement allows it (TV/Theatrical 2026)."""

    SCAN_SESSION = "scan_session", "A scan session"
    PRODUCTION_FOOTAGE = "production_footage", "Footage shot on the job"


class PreferenceDefault(Vocabulary):
    ASK = "ask", "Ask me"
    DECLINE = "decline", "Decline automatically"


class Medium(Vocabulary):
    """Media and platforms a description names; a check's media must be a subset."""

    THEATRICAL = "theatrical", "Theatrical exhibition"
    STREAMING = "streaming", "Subscription or ad-supported streaming"
    BROADCAST_TV = "broadcast_tv", "Broadcast television"
    CABLE_TV = "cable_tv", "Cable or satellite television"
    HOME_VIDEO = "home_video", "Home video and download-to-own"
    ONLINE_VIDEO = "online_video", "Online video platforms"
    SOCIAL_MEDIA = "social_media", "Social media"
    IN_GAME = "in_game", "Inside a game"
    AUDIO_STREAMING = "audio_streaming", "Audio streaming"
    RADIO = "radio", "Radio"
    PODCAST = "podcast", "Podcast"
    DIGITAL_ADS = "digital_ads", "Digital advertising"
    OUT_OF_HOME = "out_of_home", "Out-of-home displays"
    LIVE_EVENT = "live_event", "Live events"
    AI_MODEL = "ai_model", "Inside an AI model (training)"


class CheckReasonCode(Vocabulary):
    """Why a consent check says no: each reason a check (or a usage line) gives carries one."""

    NO_GRANT = "no_grant", "No consent from this performer covers this use"
    OUTSIDE_SCOPE = "outside_scope", "The grant does not cover this use, project, media or territory"
    NOT_YET_IN_TERM = "not_yet_in_term", "The grant's term has not started"
    EXPIRED = "expired", "The grant's term has ended"
    REVOKED = "revoked", "The performer revoked the consent"
    SUSPENDED_BY_STRIKE = "suspended_by_strike", "Suspended while a strike against the studio lasts"
    SUSPENDED_BY_PERFORMER = "suspended_by_performer", "Suspended by the performer"
    PREFERENCE = "preference", "The performer's standing preferences decline this use"
    EXEMPTION_NOT_ALLOWED = (
        "exemption_not_allowed",
        "The agreement does not list this alteration exemption (DOMAIN.md 2.7)",
    )


class PreferenceConflictCode(Vocabulary):
    """How a request meets a performer's standing preferences; each declines it automatically."""

    DO_NOT_TRAIN = "do_not_train", "The performer does not consent to training use"
    DECLINES_USE_TYPE = "declines_use_type", "The performer declines every request for this use"
    OPTED_OUT_CATEGORY = "opted_out_category", "The performer opted out of a content category"
    BELOW_RATE_FLOOR = "below_rate_floor", "The compensation is below the performer's rate floor"
