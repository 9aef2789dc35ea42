"""Who may call which endpoint. Object-level scoping is done by selectors, not here."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from registry.api.problems import ProblemError
from registry.parties.callers import Caller, caller_for_user


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
        caller = get_caller(request)
        if not caller.is_studio:
            return False
        if not caller.studio.is_active:
            raise ProblemError("studio-suspended")
        scope = getattr(view, "required_scope", None)
        if scope and not request.auth.has_scope(scope):
            raise ProblemError(
                "missing-scope",
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
