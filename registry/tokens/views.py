"""The public protocol endpoints: the JWKS and the status lists. No authentication: anyone
verifying a token offline fetches these."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from registry.core.problem_details import json_problem
from registry.core.problems import ProblemType
from registry.core.replica import replica_reads
from registry.tokens import selectors, services

STATUS_LIST_CONTENT_TYPE = "application/statuslist+jwt"


@require_GET
def jwks(request):
    response = JsonResponse(selectors.jwks(), content_type="application/jwk-set+json")
    patch_cache_control(response, public=True, max_age=settings.JWKS_MAX_AGE)
    return response


@require_GET
@replica_reads
def status_list(request, list_id: str):
    sl = selectors.status_list_by_public_id(list_id)
    if sl is None:
        raise Http404("No such status list.")
    at = None
    if "time" in request.GET:
        try:
            at = dt.datetime.fromtimestamp(int(request.GET["time"]), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            return json_problem(ProblemType.VALIDATION_ERROR, detail="`time` must be a UNIX time in seconds.")
    if at is None:
        snapshot = services.status_list_snapshot_to_serve(status_list=sl)
    else:
        snapshot = selectors.status_list_snapshot(sl, at=at)
    if snapshot is None:
        return json_problem(ProblemType.NOT_FOUND, detail="The list did not exist at that time.")
    etag = f'"{sl.public_id}-{snapshot.pk}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        # The verifier's cached copy is the current signed list: no body, same caching headers.
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(snapshot.jwt, content_type=STATUS_LIST_CONTENT_TYPE)
    response["ETag"] = etag
    if at is None:
        patch_cache_control(response, public=True, max_age=settings.STATUS_LIST_TTL)
    else:
        patch_cache_control(response, public=True, max_age=86400, immutable=True)
    return response
