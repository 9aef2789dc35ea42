"""What media signing and verification refuse with; the API words each as a problem type."""

from __future__ import annotations

from registry.core.errors import DomainError
from registry.media import credentials


class MediaSigningUnavailable(DomainError):
    """The registry has no C2PA certificate and key configured."""

    slug = "media-signing-unavailable"


class MediaRefused(DomainError):
    """A media file the registry cannot sign or believe; `code` says why."""

    slug = "media-refused"


def media_refused(fault: credentials.MediaFault) -> MediaRefused:
    return MediaRefused(fault.message, code=fault.code, reasons=fault.reasons)
