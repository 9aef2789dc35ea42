"""The log's public endpoints, laid out as C2SP tlog-tiles says: the checkpoint, tiles, entry
bundles, and what a verifier pins (/.well-known/transparency-log.json). No authentication."""

from __future__ import annotations

import gzip

from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from registry.tlog import merkle, selectors, services

CHECKPOINT_CONTENT_TYPE = "text/plain; charset=utf-8"
TILE_CONTENT_TYPE = "application/octet-stream"
# Tiles and bundles never change once served (a partial tile of width W is the same W hashes
# forever): a year, immutable.
IMMUTABLE_MAX_AGE = 365 * 86400
DESCRIPTION_MAX_AGE = 300


def _not_found(detail: str) -> HttpResponse:
    return HttpResponseNotFound(detail + "\n", content_type=CHECKPOINT_CONTENT_TYPE)


@require_GET
def checkpoint(request):
    services.log_catch_up()
    latest = selectors.latest_checkpoint()
    if latest is None:
        return _not_found("The log has no checkpoint yet: its sequencer has not run.")
    response = HttpResponse(selectors.published_note(latest), content_type=CHECKPOINT_CONTENT_TYPE)
    add_never_cache_headers(response)
    return response


@require_GET
def tile(request, path: str):
    try:
        level, number, width = merkle.parse_tile_path("tile/" + path)
    except ValueError as exc:
        return _not_found(f"Not a tile path ({exc}): tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>].")
    body = selectors.entry_bundle(number, width) if level is None else selectors.tile(level, number, width)
    if body is None:
        return _not_found(f"The log has no {'entry bundle' if level is None else 'tile'} {path} (yet).")
    response = HttpResponse(content_type=TILE_CONTENT_TYPE)
    if level is None:
        # Entry bundles are JSON text: compressed, as tlog-tiles recommends, for clients that take gzip.
        patch_vary_headers(response, ["Accept-Encoding"])
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            response["Content-Encoding"] = "gzip"
    response.content = body
    patch_cache_control(response, public=True, max_age=IMMUTABLE_MAX_AGE, immutable=True)
    return response


@require_GET
def description(request):
    services.log_key_active()  # the key a verifier pins exists before the first checkpoint does
    response = JsonResponse(selectors.log_description())
    patch_cache_control(response, public=True, max_age=DESCRIPTION_MAX_AGE)
    return response
