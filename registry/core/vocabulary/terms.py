"""The vocabulary of agreements and rate cards: sectors, role categories, rate units."""

from registry.core.vocabulary import Vocabulary


class Sector(Vocabulary):
    TV_THEATRICAL = "tv_theatrical", "TV/Theatrical"
    COMMERCIALS = "commercials", "Commercials"
    INTERACTIVE = "interactive", "Interactive media (games)"
    SOUND_RECORDINGS = "sound_recordings", "Sound recordings"


class RoleCategory(Vocabulary):
    """The role a rate applies to; also the role a synthetic performer displaces."""

    DAY_PERFORMER = "day_performer", "Day performer"
    WEEKLY_PERFORMER = "weekly_performer", "Weekly performer"
    BACKGROUND_ACTOR = "background_actor", "Background actor"
    STAND_IN = "stand_in", "Stand-in"
    COMMERCIAL_SESSION = "commercial_session", "Commercial session (on-camera principal)"


class RateUnit(Vocabulary):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    SESSION = "session", "Session"
