"""What media signing and verification refuse with; the API words each as a problem type."""

from __future__ import annotations

from registry.core.errors import DomainError
from registry.core.problems import ProblemType
from registry.media import credentials


class MediaSigningUnavailable(DomainError):
    """The registry has no C2PA certificate and key configured."""

    slug = ProblemType.MEDIA_SIGNING_UNAVAILABLE


class MediaRefused(DomainError):
    """A media file the registry cannot sign or believe; `code` says why."""

    slug = ProblemType.MEDIA_REFUSED


def media_refused(fault: credentials.MediaFault) -> MediaRefused:
    return MediaRefused(fault.message, code=fault.code, reasons=fault.reasons)
