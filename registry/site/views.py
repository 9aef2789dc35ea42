"""Site-level pages: the front page, the integration guide, the built guide (/docs/), problem-type
docs and the error pages (400, 403, 404, 500 and a refused CSRF check) of every area, each in its
area's frame."""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
import re
import sys
from pathlib import Path

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import SuspiciousFileOperation
from django.db import InterfaceError, OperationalError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils._os import safe_join

from registry.core.problem_details import json_problem
from registry.core.problems import ProblemType
from registry.parties import roles

logger = logging.getLogger(__name__)

GUIDE = Path(settings.BASE_DIR) / "docs" / "integration-guide.md"
GUIDE_EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "studio_client.py"
# The guide for every reader, built from docs/ by Sphinx (`./run docs`; the Docker image builds it).
DOCS_BUILD = Path(settings.BASE_DIR) / "docs" / "_build" / "html"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def home(request):
    return render(request, "site/home.html")


def integration_guide(request):
    try:
        text = GUIDE.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise Http404("The integration guide is not installed here.") from exc
    return render(request, "site/guide.html", {"text": text})


def integration_example(request):
    try:
        handle = GUIDE_EXAMPLE.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The example is not installed here.") from exc
    return FileResponse(handle, content_type="text/plain; charset=utf-8")


def guide(request, path: str = ""):
    """The built guide, as static files. Furo's pages carry one inline script (the colour theme,
    allowed by its hash) and inline style attributes on their icons: this page alone allows those,
    as /api/redoc/ does for Redoc. Not built here: a page saying how to build it."""
    if not (DOCS_BUILD / "index.html").is_file():
        return render(request, "site/guide_not_built.html", status=404)
    if path == "" or path.endswith("/"):
        path += "index.html"
    if any(part.startswith(".") for part in path.split("/")):
        raise Http404("No such page in the guide.")  # .buildinfo, .doctrees: Sphinx's, not pages
    try:
        file = Path(safe_join(DOCS_BUILD, path))
    except SuspiciousFileOperation as exc:
        raise Http404("No such page in the guide.") from exc
    if not file.is_file():
        raise Http404("No such page in the guide.")
    content_type, encoding = mimetypes.guess_type(file.name)
    if file.suffix == ".html":
        body = file.read_bytes()
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        hashes = [
            "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
            for script in _INLINE_SCRIPT.findall(body)
        ]
        response._csp_update = {"style-src": [SELF, UNSAFE_INLINE], "script-src": [SELF, *hashes]}
    else:
        response = FileResponse(file.open("rb"), content_type=content_type or "application/octet-stream")
        if encoding:
            response.headers["Content-Encoding"] = encoding
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def problem_type(request, slug: str):
    if slug not in ProblemType.values:
        raise Http404("No such problem type")
    return render(request, "site/problem_type.html", {"problem": ProblemType(slug), "all": list(ProblemType)})


# --- Error pages ----------------------------------------------------------------------------------
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _area(request) -> str:
    path = request.path
    if path.startswith(("/portal/", "/verify")):
        return "portal"
    if path.startswith("/admin/"):
        return "console"
    return "public"


FRAMES = {"portal": "portal/base.html", "console": "console/error_frame.html", "public": "site/base.html"}
WAY_BACK = {
    "portal": ("portal:dashboard", "Go to the portal's home page"),
    "console": ("console:dashboard", "Go to the staff dashboard"),
    "public": ("home", "Go to the registry's home page"),
}

WORDS = {
    400: (
        "The registry could not read that request",
        ["Something in the address or the form was not in the form the registry expects. Nothing was changed."],
    ),
    403: ("You may not see this page", ["Your account does not give access to it. Nothing was changed."]),
    404: (
        "Page not found",
        [
            "There is nothing at this address. If you typed it, check it; if you followed a link, "
            "it may be out of date, or the page belongs to another account."
        ],
    ),
    500: (
        "Something went wrong on our side",
        [
            "Nothing you did caused this, and the error is logged for the registry's staff.",
            "What you were doing may not have been saved: go back and check before trying again.",
        ],
    ),
}

# What each union role may do, said to a staff member the console refused.
ROLE_CAN_DO = {
    roles.UNION_ANALYST: [
        "As a union analyst you see every list, record and dashboard, and download every export.",
        "You change nothing: declaring or lifting a strike, assigning or resolving a case, starting a billing run "
        "and inviting people are for a union admin. Ask one to do it, or to give you that role.",
    ],
    None: [
        "Your account has no union role, so the console shows it nothing.",
        "Ask a union admin to give you the analyst role (to read) or the admin role (to act).",
    ],
}


def error_page(request, status: int, *, heading: str = "", lines: list[str] | None = None, exception=None):
    area = _area(request)
    words = WORDS.get(status, WORDS[400])
    context = {
        "base": FRAMES[area],
        "status": status,
        "heading": heading or words[0],
        "lines": lines if lines is not None else list(words[1]),
        "can_do": [],
    }
    if status == 403 and area == "console" and request.user.is_authenticated and not heading:
        role = roles.staff_role(request.user)
        context["can_do"] = ROLE_CAN_DO.get(role, ROLE_CAN_DO[None])
        if role == roles.UNION_ANALYST:
            context["heading"] = "This action needs a union admin"
    elif status == 403 and area == "portal" and exception is not None and str(exception):
        # The portal raises PermissionDenied with the rule's refusal in words: say it.
        context["lines"] = [str(exception)]
    url_name, text = WAY_BACK[area]
    context.update(back_url=reverse(url_name), back_text=text)
    if area == "console":
        context.update(admin.site.each_context(request), title=context["heading"])
    return render(request, "site/error.html", context, status=status)


def handler400(request, exception=None):
    if _is_api(request):
        return json_problem(ProblemType.MALFORMED_REQUEST, detail="The request could not be read.")
    return error_page(request, 400, exception=exception)


def handler403(request, exception=None):
    if _is_api(request):
        return json_problem(ProblemType.PERMISSION_DENIED, detail=str(exception or "") or "You may not do this.")
    return error_page(request, 403, exception=exception)


def handler404(request, exception=None):
    if _is_api(request):
        return json_problem(ProblemType.NOT_FOUND, detail="No API resource at this address.")
    return error_page(request, 404, exception=exception)


def csrf_failure(request, reason: str = ""):
    """A form sent without its security token, or with an old one (the page stayed open across a
    new sign-in, or cookies are blocked)."""
    return error_page(
        request,
        403,
        heading="This form has expired",
        lines=[
            "For your safety, a form works only from the page the registry just sent, in a browser that accepts "
            "its cookies. It may have stayed open while you signed in or out elsewhere.",
            "Nothing was sent. Go back, reload the page, and send the form again.",
        ],
    )


def handler500(request):
    """Django calls this while handling the exception, so `sys.exc_info()` names it. The database
    being unreachable is not our error but an outage: 503 with Retry-After, for pages and the API
    alike (errors raised in DRF views are answered the same way by the API's exception handler).
    The page is drawn without the request's context: whatever failed may fail again there."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", type(sys.exc_info()[1]).__name__)
        if _is_api(request):
            response = json_problem(
                ProblemType.SERVICE_UNAVAILABLE, detail="The database is unreachable; retry shortly."
            )
        else:
            response = HttpResponse(loader.render_to_string("site/unavailable.html"), status=503)
        response["Retry-After"] = "5"
        return response
    if _is_api(request):
        return json_problem(ProblemType.SERVER_ERROR)
    heading, lines = WORDS[500]
    context = {"base": "site/base.html", "status": 500, "heading": heading, "lines": lines}
    context.update(back_url=reverse("home"), back_text=WAY_BACK["public"][1])
    return HttpResponse(loader.render_to_string("site/error.html", context), status=500)
