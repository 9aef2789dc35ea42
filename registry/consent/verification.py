"""Online verification of a consent token: the offline verifier (registry.tokens), fed with the
registry's own keys and the token's current status straight from the database, named from its
grant's history. It lives with consent because a live grant is answered as a consent check
sees it: a strike in force suspends it before the strike's job has written its slot."""

from __future__ import annotations

from registry.consent.selectors import grant_live_status
from registry.core.vocabulary.consent import TERMINAL_GRANT_STATUSES, GrantStatus
from registry.tokens import sdjwt, statuslist
from registry.tokens.jose import MalformedJWS, parse_compact
from registry.tokens.models import ConsentToken, TokenStatus
from registry.tokens.selectors import jwks
from registry.tokens.verifier import STATUS_NAMES, KeySet, Result, VerificationStatus, verify


def _current_status(token: str) -> tuple[bytes, str] | None:
    """A one-slot status array holding the token's status as the database has it now, and what
    the list's "invalid" means for it: how its grant ended (revoked, expired or superseded).
    A token replaced by a re-issue while its grant lives keeps the generic name."""
    try:
        _, claims, _, _ = parse_compact(token)
        ref = claims["status"]["status_list"]
        idx, uri = int(ref["idx"]), str(ref["uri"])
    except (MalformedJWS, KeyError, TypeError, ValueError):
        return None
    list_id = uri.rstrip("/").rsplit("/", 1)[-1]
    row = (
        ConsentToken.objects.filter(status_list__public_id=list_id, status_index=idx)
        .values_list("status", "status_list__size", "grant_id", "grant__status")
        .first()
    )
    if row is None:
        return None
    status, size, grant_id, grant_status = row
    if status != TokenStatus.INVALID:  # the grant's current token, and the grant is live
        # As a check sees it now: a strike in force suspends it before its job writes the slot,
        # and a lifted one no longer does before the lift's job restores it.
        live = {GrantStatus.ACTIVE: TokenStatus.VALID, GrantStatus.SUSPENDED: TokenStatus.SUSPENDED}
        status = live.get(grant_live_status(grant_id), status)
    ended = (
        VerificationStatus(grant_status)
        if grant_status in TERMINAL_GRANT_STATUSES
        else STATUS_NAMES[statuslist.INVALID]
    )
    return statuslist.pack(size, [(idx, status)]), ended


def verify_online(token: str) -> Result:
    current = _current_status(token)
    if current is None:
        result = verify(token, KeySet(jwks()), None)
        if result.valid is False and result.reasons == ["status_not_checked"]:
            result.reasons = ["unknown_status_slot"]
        return result
    status_bytes, invalid_as = current
    return verify(token, KeySet(jwks()), status_bytes=status_bytes, invalid_as=invalid_as)


def verify_presentation_online(
    presentation: str, *, audience: str | None, nonce: str | None, max_kb_age: int = sdjwt.DEFAULT_MAX_KB_AGE
) -> sdjwt.Result:
    """An SD-JWT presentation checked as `verify_online` checks a token: the registry's keys, and
    the status its slot holds now (the credential shares its consent token's slot)."""
    try:
        issuer_jwt = sdjwt.split(presentation).jwt
    except MalformedJWS:
        issuer_jwt = ""
    current = _current_status(issuer_jwt)
    options = {"audience": audience, "nonce": nonce, "max_kb_age": max_kb_age}
    if current is None:
        result = sdjwt.verify_presentation(presentation, KeySet(jwks()), None, **options)
        result.reasons = ["unknown_status_slot" if r == "status_not_checked" else r for r in result.reasons]
        return result
    status_bytes, invalid_as = current
    return sdjwt.verify_presentation(
        presentation, KeySet(jwks()), status_bytes=status_bytes, invalid_as=invalid_as, **options
    )
