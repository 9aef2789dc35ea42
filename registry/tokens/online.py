"""Online verification: the offline verifier, fed with the registry's own keys and the token's
current status straight from the database."""

from __future__ import annotations

from registry.tokens import statuslist
from registry.tokens.jose import MalformedJWS, parse_compact
from registry.tokens.models import ConsentToken
from registry.tokens.selectors import jwks
from registry.tokens.verifier import KeySet, Result, verify


def _current_status_bytes(token: str) -> bytes | None:
    """A one-slot status array holding the token's status as the database has it now."""
    try:
        _, claims, _, _ = parse_compact(token)
        ref = claims["status"]["status_list"]
        idx, uri = int(ref["idx"]), str(ref["uri"])
    except (MalformedJWS, KeyError, TypeError, ValueError):
        return None
    list_id = uri.rstrip("/").rsplit("/", 1)[-1]
    row = (
        ConsentToken.objects.filter(status_list__public_id=list_id, status_index=idx)
        .values_list("status", "status_list__size")
        .first()
    )
    if row is None:
        return None
    status, size = row
    return statuslist.pack(size, [(idx, status)])


def verify_online(token: str) -> Result:
    status_bytes = _current_status_bytes(token)
    if status_bytes is None:
        result = verify(token, KeySet(jwks()), None)
        if result.valid is False and result.reasons == ["status_not_checked"]:
            result.reasons = ["unknown_status_slot"]
        return result
    return verify(token, KeySet(jwks()), status_bytes=status_bytes)
