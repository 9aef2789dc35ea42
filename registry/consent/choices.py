"""The vocabulary of consent, declared once: uses, project kinds, statuses, signers, flags."""

from django.db import models


class UseType(models.TextChoices):
    """Separate uses: consent to one never implies another (DOMAIN.md 2.5)."""

    REPLICA_CREATION = "replica_creation", "Creating a digital replica (scan)"
    REPLICA_USE = "replica_use", "Using a digital replica"
    DIGITAL_ALTERATION = "digital_alteration", "Digitally altering a recorded performance"
    REALTIME_GENERATION = "realtime_generation", "Real-time generation"
    TRAINING = "training", "Training an AI model"
    VOICE_REPLICA = "voice_replica", "Voice-only replica"
    SYNTHETIC_FEATURE = "synthetic_feature", "A synthetic performer borrowing a feature"


class ProjectKind(models.TextChoices):
    PICTURE = "picture", "Motion picture"
    SERIES = "series", "Series season"
    COMMERCIAL = "commercial", "Commercial"
    GAME = "game", "Game"
    RECORDING = "recording", "Sound recording"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Awaiting the performer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired unanswered"


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    SUPERSEDED = "superseded", "Superseded by a newer version"


# Statuses a grant never leaves.
TERMINAL_GRANT_STATUSES = frozenset({GrantStatus.REVOKED, GrantStatus.EXPIRED, GrantStatus.SUPERSEDED})


class SignerRole(models.TextChoices):
    PERFORMER = "performer", "The performer"
    GUARDIAN = "guardian", "Guardian of a minor performer"
    REPRESENTATIVE = "representative", "Authorised representative (agent or lawyer)"
    ESTATE = "estate", "Estate of a deceased performer"
    UNION = "union", "The union (deceased performer, no reachable estate)"


class SignatureMethod(models.TextChoices):
    PORTAL_ATTESTATION = "portal_attestation", "Attestation in the portal"
    UPLOADED_DOCUMENT = "uploaded_document", "Signed document uploaded"


class SuspensionCause(models.TextChoices):
    PERFORMER = "performer", "Suspended by the performer"
    STRIKE = "strike", "Suspended by a strike"


class StrikeJobKind(models.TextChoices):
    """The background work a strike needs: its grants suspended, then restored."""

    APPLY = "apply", "Suspend the strike's grants"
    LIFT = "lift", "Restore what the strike suspended"


class StrikeJobStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    STOPPED = "stopped", "Stopped: the strike was lifted first"


class SensitiveFlag(models.TextChoices):
    """Content a description must flag; nudity and sexual content are refused for minors."""

    NUDITY = "nudity", "Nudity"
    SEXUAL_CONTENT = "sexual_content", "Sexual content"
    VIOLENCE = "violence", "Graphic violence"
    AGING = "aging", "Aging or de-aging"


class ContentCategory(models.TextChoices):
    """Categories a performer can opt out of in their standing preferences."""

    POLITICAL = "political", "Political content"
    ALCOHOL = "alcohol", "Alcohol"
    TOBACCO = "tobacco", "Tobacco or vaping"
    GAMBLING = "gambling", "Gambling"
    SEXUAL_CONTENT = "sexual_content", "Sexual content"
    WEAPONS = "weapons", "Weapons"
    RELIGIOUS = "religious", "Religious content"
    PHARMACEUTICAL = "pharmaceutical", "Pharmaceuticals"


class CompensationUnit(models.TextChoices):
    FLAT = "flat", "Flat fee"
    DAY = "day", "Per day"
    WEEK = "week", "Per week"
    SESSION = "session", "Per session"
    TRAINING_RUN = "training_run", "Per training run"
    REVENUE_SHARE = "revenue_share", "Share of licence revenue (rate)"


class AlterationExemption(models.TextChoices):
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


class PreferenceDefault(models.TextChoices):
    ASK = "ask", "Ask me"
    DECLINE = "decline", "Decline automatically"


class Medium(models.TextChoices):
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
