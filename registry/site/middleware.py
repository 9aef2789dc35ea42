"""The styled error pages in development too. Django answers a missing page, a bad request and
a crash with its debug pages while DEBUG is on (980 px wide on a phone, listing the URL patterns
or the settings); people trying the demo get the same pages as in production. A URL that is
plainly a developer's (the API's schema and docs, static files) keeps the debug page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404

from registry.site import views

logger = logging.getLogger("django.request")

DEVELOPER_PATHS = ("/api/schema", "/api/docs", "/api/redoc", "/static/", "/__debug__/")


def is_developer_url(request) -> bool:
    return request.path.startswith(DEVELOPER_PATHS)


class StyledErrorPages:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A URL no route matched: Django drew its debug 404 (it calls no handler while DEBUG is on).
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not is_developer_url(request)
        ):
            return views.handler404(request)
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG or is_developer_url(request):
            return None  # production: Django calls the handlers in config/urls.py
        if isinstance(exception, Http404):
            return views.handler404(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return views.handler400(request, exception)
        if isinstance(exception, PermissionDenied):
            return None  # handler403 answers it in both modes
        # A crash: the traceback goes to the log (the console under runserver), the page is the
        # one people see in production.
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return views.handler500(request)
