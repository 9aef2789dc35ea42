"""Who may call which endpoint. Object-level scoping is done by selectors, not here."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from registry.api.problems import ProblemError
from registry.core.problems import ProblemType
from registry.parties.callers import Caller, CallerKind, caller_for_user


def get_caller(request) -> Caller:
    """The caller for this request, computed once and kept on the request."""
    caller = getattr(request, "_registry_caller", None)
    if caller is None:
        caller = caller_for_user(request.user)
        request._registry_caller = caller
    return caller


class IsStudio(BasePermission):
    """A studio API key, holding the view's `required_scope`, of an active studio."""

    message = "This endpoint is for studios calling with an API key."

    def has_permission(self, request, view) -> bool:
        if not get_caller(request).is_studio:
            return False
        return self.has_permission_for_scope(request, getattr(view, "required_scope", None))

    def has_permission_for_scope(self, request, scope: str | None) -> bool:
        caller = get_caller(request)
        if not caller.studio.is_active:
            raise ProblemError(ProblemType.STUDIO_SUSPENDED)
        if scope and not request.auth.has_scope(scope):
            raise ProblemError(
                ProblemType.MISSING_SCOPE,
                f"This API key lacks the '{scope}' scope.",
                required_scope=scope,
            )
        return True


class IsStaff(BasePermission):
    message = "This endpoint is for union staff."

    def has_permission(self, request, view) -> bool:
        return get_caller(request).is_staff


class IsPerformerSide(BasePermission):
    message = "This endpoint is for performers and their representatives."

    def has_permission(self, request, view) -> bool:
        return get_caller(request).is_performer_side


_REFUSALS = {
    CallerKind.PERFORMER_SIDE: "This action is not open to performers or their representatives.",
    CallerKind.STUDIO: "This action is not open to studios.",
    CallerKind.STAFF: "This action is not open to union staff.",
    # Signed in, but acting for no performer today (e.g. a guardian whose ward has come of age).
    CallerKind.UNKNOWN: "This account does not act for any performer today.",
}


class CallerAccess(BasePermission):
    """Which kinds of caller may use each method, from the view's `access` mapping, e.g.
    `{"GET": {"studio", "performer_side", "staff"}, "POST": {"studio"}}`. A studio's key also
    needs the scope the view's `studio_scopes` names for that method."""

    message = "Your kind of account cannot use this endpoint."

    def has_permission(self, request, view) -> bool:
        caller = get_caller(request)
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        if caller.kind not in view.access.get(method, set()):
            self.message = _REFUSALS.get(caller.kind, self.message)
            return False
        if caller.is_studio:
            scope = getattr(view, "studio_scopes", {}).get(method)
            return IsStudio().has_permission_for_scope(request, scope)
        return True
