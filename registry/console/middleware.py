"""Two-factor sign-in for union staff: when `STAFF_OTP_REQUIRED` (always in production mode), a
staff session that has not been verified with a TOTP code reaches nothing but sign-in, sign-out
and the two-factor page. The admin's own login stays the password step; this is the second."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def _exempt_paths() -> set[str]:
    return {reverse("admin:login"), reverse("admin:logout"), reverse("console:two-factor")}


class StaffTwoFactorMiddleware:
    """Must come after django_otp's OTPMiddleware, which tells whether the session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read per request, not at start-up, so tests can switch it on and off.
        required = getattr(settings, "STAFF_OTP_REQUIRED", False)
        if not (required and self._unverified_staff(request)) or request.path in _exempt_paths():
            return self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            return redirect(f"{reverse('console:two-factor')}?{urlencode({'next': request.get_full_path()})}")
        # The API and the portal accept a session too: an unverified staff session must not get
        # around the second factor through them.
        return HttpResponseForbidden("Union staff must complete two-factor sign-in first.", content_type="text/plain")

    @staticmethod
    def _unverified_staff(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        return not user.is_verified()
