"""What the registry accepts from outside, each bound stated once.

(Other bounds, on JSON nesting, dates, amounts and text, join this module from issue 16's input
work; the bounds of uploaded media live here beside them.)
"""

from __future__ import annotations

# A media file sent to be signed or verified (POST /api/v1/media/sign and /verify, the public
# verification page). Generated stills, voice tracks and short clips fit well inside it; longer
# video is signed where it is made, with the studio's own certificate (registry.media.credentials),
# and verified offline. The file is read whole into memory to be parsed, so the bound is memory.
MEDIA_UPLOAD_MAX_BYTES = 32 * 1024 * 1024
MEDIA_UPLOAD_MAX_TEXT = "32 MiB"
