"""Writes for tokens: keys and their rotation, issuing tokens, status slots and status lists.

Token work happens inside the transaction of the grant change that causes it (consent's services
call these functions), so a grant and its token never disagree.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, InvalidInputError, NotFoundError, RuleRefusalError, StateConflictError
from registry.core.vocabulary.consent import LIVE_GRANT_STATUSES, GrantStatus
from registry.core.vocabulary.tokens import KeyStatus
from registry.outbox import services as outbox
from registry.parties.models import Performer, Studio
from registry.tlog import services as log
from registry.tlog.models import LeafKind
from registry.tokens import jose, keys, sdjwt, selectors, statuslist, transparency
from registry.tokens.models import (
    ConsentToken,
    HolderKey,
    KeyAlg,
    SharedPresentation,
    SigningKey,
    StatusList,
    StatusListSnapshot,
    TokenStatus,
    new_status_list_id,
)
from registry.tokens.verifier import CONSENT_TYP, STATUS_LIST_TYP
from registry.webhooks import events as webhook_events

if TYPE_CHECKING:  # consent sits above tokens: its grants are only named here
    from registry.consent.models import ConsentGrant

# The task this module enqueues through the outbox, by name (registry/tokens/tasks.py runs it).
REFRESH_STATUS_LIST_TASK = "tokens.refresh_status_list"

# A list is closed to new tokens at this fill ratio, so random allocation stays cheap.
STATUS_LIST_FILL_LIMIT = 0.75

GRANT_TO_TOKEN_STATUS = {
    GrantStatus.ACTIVE: TokenStatus.VALID,
    GrantStatus.SUSPENDED: TokenStatus.SUSPENDED,
    GrantStatus.REVOKED: TokenStatus.INVALID,
    GrantStatus.EXPIRED: TokenStatus.INVALID,
    GrantStatus.SUPERSEDED: TokenStatus.INVALID,
}


def new_status_list_uri(public_id: str) -> str:
    """Where a new list is published, under the registry's address of the moment. Stored with
    the list and never rebuilt: tokens carry it, and verifiers require the list's `sub` to equal it."""
    return settings.REGISTRY_BASE_URL + reverse("status-list", args=[public_id])


# --- Keys -------------------------------------------------------------------------------------
def signing_key_rotate(*, actor: Actor, alg: str = KeyAlg.EDDSA, now: dt.datetime | None = None) -> SigningKey:
    """Make a new key of this algorithm active; the previous one retires and stays published
    while needed."""
    now = now or timezone.now()
    kid, jwk, encrypted = keys.new_key_material(alg)
    with transaction.atomic():
        retired = list(SigningKey.objects.select_for_update().filter(status=KeyStatus.ACTIVE, alg=alg))
        for old in retired:
            old.status = KeyStatus.RETIRED
            old.retired_at = now
            old.save(update_fields=["status", "retired_at"])
        key = SigningKey.objects.create(
            kid=kid, alg=alg, public_x=jwk["x"], public_y=jwk.get("y", ""), private_encrypted=encrypted, created_at=now
        )
        audit_record(
            actor=actor,
            action=AuditAction.SIGNING_KEY_ACTIVATED,
            subject_type=AuditSubject.SIGNING_KEY,
            subject_id=kid,
            data={"alg": alg, "retired": [k.kid for k in retired]},
        )
    return key


def active_signing_key(*, alg: str = KeyAlg.EDDSA, actor: Actor | None = None) -> SigningKey:
    """The key that signs now under `alg`; generated on first need."""
    key = SigningKey.objects.filter(status=KeyStatus.ACTIVE, alg=alg).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return signing_key_rotate(actor=actor or Actor.system("first signing key"), alg=alg)
    except IntegrityError:  # another process generated it at the same moment
        return SigningKey.objects.get(status=KeyStatus.ACTIVE, alg=alg)


def signing_key_compromise(*, kid: str, actor: Actor, now: dt.datetime | None = None) -> int:
    """Unpublish a key, invalidate every token it signed, and re-issue the live ones under a new
    active key. Returns how many tokens were re-issued."""
    now = now or timezone.now()
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().filter(kid=kid).first()
        if key is None:
            raise NotFoundError(f"No signing key has kid {kid}.")
        if key.status == KeyStatus.COMPROMISED:
            raise StateConflictError(f"Key {kid} is already marked compromised.")
        was_active = key.status == KeyStatus.ACTIVE
        key.status = KeyStatus.COMPROMISED
        key.compromised_at = now
        key.save(update_fields=["status", "compromised_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SIGNING_KEY_COMPROMISED,
            subject_type=AuditSubject.SIGNING_KEY,
            subject_id=kid,
            data={"was_active": was_active},
        )
        if was_active or not SigningKey.objects.filter(status=KeyStatus.ACTIVE, alg=key.alg).exists():
            signing_key_rotate(actor=actor, alg=key.alg, now=now)
        reissued = 0
        tokens = (
            ConsentToken.objects.select_for_update(of=("self",))
            .filter(signing_key=key, replaced_by__isnull=True)
            .select_related("grant", "grant__performer", "grant__studio", "grant__agreement", "status_list")
        )
        for old in tokens:
            _set_token_status(old, TokenStatus.INVALID)
            if old.grant.status in LIVE_GRANT_STATUSES:
                new = _issue(old.grant, now=now)
                old.replaced_by = new
                old.save(update_fields=["replaced_by"])
                audit_record(
                    actor=actor,
                    action=AuditAction.TOKEN_REISSUED,
                    subject_type=AuditSubject.GRANT,
                    subject_id=old.grant.public_id,
                    performer_id=old.grant.performer.public_id,
                    studio_id=old.grant.studio.public_id,
                    data={
                        "reason": "signing key compromised",
                        "old_kid": kid,
                        "new_kid": new.signing_key.kid,
                        "old_status_index": old.status_index,
                        "new_status_index": new.status_index,
                    },
                )
                webhook_events.token_reissued(old.grant, old_kid=kid, new_kid=new.signing_key.kid)
                reissued += 1
    return reissued


# --- Status slots -----------------------------------------------------------------------------
def _open_status_list() -> StatusList:
    """The list new tokens get slots in: the newest one below the fill limit, or a new one."""
    current = StatusList.objects.select_for_update().order_by("-id").first()
    if current is None or current.allocated >= current.size * STATUS_LIST_FILL_LIMIT:
        public_id = new_status_list_id()
        current = StatusList.objects.create(
            public_id=public_id, uri=new_status_list_uri(public_id), size=settings.STATUS_LIST_SIZE
        )
    return current


def _allocate_slot(status_list: StatusList) -> int:
    """A random index never used before in this list. The caller holds the list's row lock and
    the unique constraint is the final guarantee; below the fill limit a try succeeds at least
    one time in four."""
    for _ in range(64):
        index = secrets.randbelow(status_list.size)
        if not ConsentToken.objects.filter(status_list=status_list, status_index=index).exists():
            return index
    raise RuntimeError(f"could not find a free slot in {status_list.public_id}")


def _mark_changed(status_list_id: int) -> None:
    # Taking the row lock serialises with a re-sign in progress, so no change is ever missed.
    StatusList.objects.filter(pk=status_list_id).update(change_seq=F("change_seq") + 1)

    # One unsent re-sign per list is enough: the refresh takes this row's lock first, so it
    # cannot run between our change and our commit and miss it.
    outbox.enqueue(REFRESH_STATUS_LIST_TASK, status_list_id, dedupe_key=f"{REFRESH_STATUS_LIST_TASK}:{status_list_id}")


def _log_token(token: ConsentToken, kind: LeafKind, *, at: dt.datetime) -> None:
    """The token's issue or change of status, as a leaf of the transparency log."""
    log.leaf_append(
        kind=kind,
        ref=str(token.pk),
        record=transparency.token_record(
            kind.value,
            jti=token.grant.public_id,
            jws=token.jws,
            status_list_uri=token.status_list.uri,
            index=token.status_index,
            status=token.status,
            at=at,
        ),
    )


def _set_token_status(token: ConsentToken, status: int) -> None:
    if token.status != status:
        token.status = status
        token.save(update_fields=["status"])
        _mark_changed(token.status_list_id)
        _log_token(token, LeafKind.TOKEN_STATUS, at=timezone.now())


# --- Issuing ----------------------------------------------------------------------------------
def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def consent_claims(grant: ConsentGrant, *, status_list: StatusList, index: int, issued_at: dt.datetime) -> dict:
    """The claims of the pinned interop contract (ARCHITECTURE.md)."""
    return {
        "iss": settings.REGISTRY_BASE_URL,
        "sub": grant.performer.public_id,
        "aud": grant.studio.public_id,
        "jti": grant.public_id,
        "iat": int(issued_at.timestamp()),
        "nbf": int(_day_start(grant.term_start).timestamp()),
        # The term's last day is covered in full.
        "exp": int(_day_start(grant.term_end + dt.timedelta(days=1)).timestamp()),
        "consent": {
            "use": grant.use,
            "project": {
                "kind": grant.project_kind,
                "title": grant.project_title,
                "production_number": grant.production_number,
                "advertiser": grant.advertiser,
                "product_line": grant.product_line,
            },
            "agreement": grant.agreement.code,
            "media": list(grant.media),
            "territory": list(grant.territory),
            "term": {"start": grant.term_start.isoformat(), "end": grant.term_end.isoformat()},
            "future_spots": grant.future_spots,
            "description_sha256": grant.description_sha256,
            "signer_role": grant.signer_role,
            "lineage": grant.lineage_id,
            "version": grant.version,
            # Added by issue 18 (claims are only ever added to the pinned contract): what the
            # performer signed binds the price, and a replica's origin decides its formula.
            "replica_origin": grant.request.replica_origin,
            "compensation": compensation_claim(grant.request),
        },
        "status": {"status_list": {"idx": index, "uri": status_list.uri}},
    }


def compensation_claim(request) -> dict:
    return {
        "amount": str(request.compensation_amount),
        "currency": request.compensation_currency,
        "unit": request.compensation_unit,
        "negotiated_per_use": request.compensation_negotiated_per_use,
    }


def _issue(grant: ConsentGrant, *, now: dt.datetime) -> ConsentToken:
    key = active_signing_key()
    status_list = _open_status_list()
    index = _allocate_slot(status_list)
    claims = consent_claims(grant, status_list=status_list, index=index, issued_at=now)
    header = {"alg": jose.ISSUED_ALG, "kid": key.kid, "typ": CONSENT_TYP}
    jws = jose.sign_compact(header, claims, keys.decrypt_private_key(key.private_encrypted))
    token = ConsentToken.objects.create(
        grant=grant,
        signing_key=key,
        status_list=status_list,
        status_index=index,
        status=GRANT_TO_TOKEN_STATUS[grant.status],
        issued_at=now,
        not_before=dt.datetime.fromtimestamp(claims["nbf"], tz=dt.UTC),
        expires_at=dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC),
        jws=jws,
    )
    StatusList.objects.filter(pk=status_list.pk).update(allocated=F("allocated") + 1)
    if token.status != TokenStatus.VALID:
        _mark_changed(status_list.pk)
    _log_token(token, LeafKind.TOKEN_ISSUED, at=now)
    return token


def token_issue(*, grant: ConsentGrant, at: dt.datetime) -> ConsentToken:
    """Sign the token of a new grant version, issued at `at` (the grant's activation), inside
    the consent service's transaction."""
    token = _issue(grant, now=at)
    audit_record(
        actor=Actor.system("token issuer"),
        action=AuditAction.TOKEN_ISSUED,
        subject_type=AuditSubject.GRANT,
        subject_id=grant.public_id,
        performer_id=grant.performer.public_id,
        studio_id=grant.studio.public_id,
        data={
            "kid": token.signing_key.kid,
            "status_list": token.status_list.public_id,
            "status_index": token.status_index,
            "exp": token.expires_at,
        },
    )
    return token


def token_follow_grant(*, grant: ConsentGrant) -> None:
    """Move the grant's current token to the status its grant now has (inside the consent
    service's transaction; the list is re-signed after the commit)."""
    for token in ConsentToken.objects.select_for_update().filter(grant=grant, replaced_by__isnull=True):
        _set_token_status(token, GRANT_TO_TOKEN_STATUS[grant.status])


def tokens_follow_grants(*, grant_ids: list[int], grant_status: str) -> set[int]:
    """A bulk change of grants (a strike's job): move each one's current token to the grant's
    new status in one UPDATE; returns the status lists whose slots changed.

    The lists are not marked changed here: the caller re-signs each once, with
    `status_lists_resign`, when its whole change is done. (Marking them here would also take each
    list's row lock inside a transaction that goes on to append to the audit log, the reverse of
    the order the grant services take them in.)

    Each token changed is a leaf of the transparency log, appended in one COPY."""
    if not grant_ids:
        return set()
    status = GRANT_TO_TOKEN_STATUS[grant_status]
    q = connection.ops.quote_name
    # UPDATE … RETURNING (PostgreSQL, SQLite 3.35+): the changed tokens come back from the one
    # statement that changes the slots, which the ORM's update() cannot do.
    returned = ", ".join(q(c) for c in ("id", "grant_id", "status_list_id", "status_index", "jws"))
    sql = (
        f"UPDATE {q(ConsentToken._meta.db_table)} SET {q('status')} = %s "  # noqa: S608
        f"WHERE {q('grant_id')} IN ({', '.join(['%s'] * len(grant_ids))}) "
        f"AND {q('replaced_by_id')} IS NULL AND {q('status')} <> %s RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [status, *grant_ids, status])
        changed = cursor.fetchall()
    jti = dict(
        ConsentToken.objects.filter(pk__in={row[0] for row in changed}).values_list("grant_id", "grant__public_id")
    )
    uri = dict(StatusList.objects.filter(pk__in={row[2] for row in changed}).values_list("pk", "uri"))
    now = timezone.now()
    log.leaves_append(
        kind=LeafKind.TOKEN_STATUS,
        records=(
            (
                str(pk),
                transparency.token_record(
                    LeafKind.TOKEN_STATUS.value,
                    jti=jti[grant_id],
                    jws=jws,
                    status_list_uri=uri[list_id],
                    index=index,
                    status=status,
                    at=now,
                ),
            )
            for pk, grant_id, list_id, index, jws in changed
        ),
    )
    return {row[2] for row in changed}


# --- Status list signing ----------------------------------------------------------------------
def _past_half_life(snapshot: StatusListSnapshot | None, now: dt.datetime) -> bool:
    """Re-signed from half its lifetime on, a served list keeps at least half a lifetime ahead of
    it, far more than any verifier caches it for (`ttl`)."""
    return snapshot is None or now >= snapshot.issued_at + (snapshot.expires_at - snapshot.issued_at) / 2


def status_list_refresh(
    *, status_list_id: int, force: bool = False, wait: bool = True, now: dt.datetime | None = None
) -> bool:
    """Re-sign a list when a token changed since the last snapshot (or it is past half its
    lifetime). With `wait=False` a list whose row another transaction holds (a re-sign or a token
    change under way) is left to it. Returns whether a new snapshot was made."""
    now = now or timezone.now()
    with transaction.atomic():
        sl = StatusList.objects.select_for_update(skip_locked=not wait).filter(pk=status_list_id).first()
        if sl is None:
            return False
        # Read under the lock: a re-sign that finished while we waited for it counts.
        latest = sl.snapshots.order_by("-issued_at").first()
        if not (force or sl.is_dirty or _past_half_life(latest, now)):
            return False
        entries = (
            ConsentToken.objects.filter(status_list=sl)
            .exclude(status=TokenStatus.VALID)
            .values_list("status_index", "status")
        )
        data = statuslist.pack(sl.size, entries)
        key = active_signing_key()
        exp = now + dt.timedelta(seconds=settings.STATUS_LIST_LIFETIME)
        claims = {
            "sub": sl.uri,
            "iat": int(now.timestamp()),
            "exp": int(exp.timestamp()),
            "ttl": settings.STATUS_LIST_TTL,
            "status_list": {"bits": statuslist.BITS, "lst": statuslist.encode_lst(data)},
        }
        header = {"alg": jose.ISSUED_ALG, "kid": key.kid, "typ": STATUS_LIST_TYP}
        jwt = jose.sign_compact(header, claims, keys.decrypt_private_key(key.private_encrypted))
        StatusListSnapshot.objects.create(status_list=sl, seq=sl.change_seq, issued_at=now, expires_at=exp, jwt=jwt)
        sl.signed_seq = sl.change_seq
        sl.save(update_fields=["signed_seq"])
    return True


def status_list_snapshot_to_serve(*, status_list: StatusList, now: dt.datetime | None = None) -> StatusListSnapshot:
    """The signed list to serve now. Past half its lifetime it is re-signed here, in every run
    mode (without beat, a list nobody changes would otherwise expire a lifetime after its last
    change). One request re-signs, under the list's row lock; others arriving meanwhile serve
    the snapshot they found, still valid. Only a list never signed or already expired makes them
    wait for the re-sign, having nothing valid to serve."""
    now = now or timezone.now()
    latest = selectors.status_list_snapshot(status_list)
    if not _past_half_life(latest, now):
        return latest
    nothing_valid = latest is None or latest.expires_at <= now
    status_list_refresh(status_list_id=status_list.pk, wait=nothing_valid, now=now)
    # The refresh read the list under its lock on the primary, so this reads the primary too
    # (registry.core.replica): a replica within its bound may not hold the snapshot yet.
    return selectors.status_list_snapshot(status_list) or latest


def status_lists_resign(*, status_list_ids: list[int], now: dt.datetime | None = None) -> int:
    """Mark each of these lists changed and re-sign it, each in a transaction of its own: for a
    bulk change whose token slots were written by `tokens_follow_grants`. Returns how many."""
    signed = 0
    for pk in sorted(set(status_list_ids)):
        with transaction.atomic():
            StatusList.objects.filter(pk=pk).update(change_seq=F("change_seq") + 1)
            signed += status_list_refresh(status_list_id=pk, now=now)
    return signed


def status_lists_refresh_all(*, now: dt.datetime | None = None) -> int:
    """Beat's safety net: re-sign every dirty or ageing list."""
    return sum(
        status_list_refresh(status_list_id=pk, now=now) for pk in StatusList.objects.values_list("pk", flat=True)
    )


# --- Selective disclosure (SD-JWT) ------------------------------------------------------------
DISCLOSABLE_CONSENT_CLAIMS = sdjwt.DISCLOSABLE_CONSENT_CLAIMS
DISCLOSABLE = sdjwt.DISCLOSABLE


def sd_jwt_claims(token: ConsentToken, *, holder_jwk: dict, issued_at: dt.datetime) -> dict:
    """The SD-JWT VC claims for a consent token: its consent claims, with the compensation and
    the two parties inside `consent` (each disclosable on its own), its validity and its status
    slot. It shares the token's slot, so revoking or suspending the grant answers for both."""
    grant = token.grant
    base = consent_claims(grant, status_list=token.status_list, index=token.status_index, issued_at=issued_at)
    return {
        "iss": base["iss"],
        "iat": base["iat"],
        "nbf": base["nbf"],
        "exp": base["exp"],
        "vct": sdjwt.VCT,
        "jti": base["jti"],
        "cnf": {"jwk": holder_jwk},
        "status": base["status"],
        "consent": {
            **base["consent"],
            "performer": base["sub"],
            "studio": base["aud"],
        },
    }


@dataclass(frozen=True)
class IssuedSdJwt:
    sd_jwt: str
    token: ConsentToken
    signing_key: SigningKey
    holder_key: HolderKey
    expires_at: dt.datetime


def sd_jwt_issue(
    *, grant: ConsentGrant, holder_key: HolderKey, alg: str, actor: Actor, now: dt.datetime | None = None
) -> IssuedSdJwt:
    """Sign an SD-JWT of the grant's current token for this holder key, with the active key of
    `alg`. Issued on request, not with the grant: the key it is bound to is the holder's, known
    only when they ask, and each issue has fresh salts (RFC 9901 section 10.1). Nothing is
    stored but the audit row; a retired signing key stays published until its SD-JWTs expire."""
    now = now or timezone.now()
    if holder_key.revoked_at is not None:
        raise StateConflictError("This holder key was revoked; register a new one.")
    if grant.status not in LIVE_GRANT_STATUSES:
        raise StateConflictError(f"This consent is {grant.status}: no credential is issued for it.")
    token = selectors.current_token(grant)
    if token is None:
        raise NotFoundError("This grant has no token.")
    key = active_signing_key(alg=alg)
    claims = sd_jwt_claims(token, holder_jwk=holder_key.public_jwk, issued_at=now)
    issued = sdjwt.issue(claims, DISCLOSABLE, keys.decrypt_private_key(key.private_encrypted), kid=key.kid)
    with transaction.atomic():
        SigningKey.objects.filter(pk=key.pk).filter(
            Q(signed_until__isnull=True) | Q(signed_until__lt=token.expires_at)
        ).update(signed_until=token.expires_at)
        audit_record(
            actor=actor,
            action=AuditAction.SD_JWT_ISSUED,
            subject_type=AuditSubject.GRANT,
            subject_id=grant.public_id,
            performer_id=grant.performer.public_id,
            studio_id=grant.studio.public_id,
            data={"kid": key.kid, "alg": key.alg, "holder_key": holder_key.public_id, "holder_kid": holder_key.kid},
        )
    return IssuedSdJwt(sd_jwt=issued, token=token, signing_key=key, holder_key=holder_key, expires_at=token.expires_at)


def holder_key_register(
    *, studio: Studio, jwk: dict, name: str = "", actor: Actor, now: dt.datetime | None = None
) -> HolderKey:
    """Register a studio's public key for key binding. Only the public members are kept; a JWK
    carrying a private member (`d`) is refused, since the registry must never see it."""
    now = now or timezone.now()
    if not isinstance(jwk, dict):
        raise InvalidInputError("The key must be a JWK object.", problems=[FieldProblem("jwk", "invalid", "No JWK.")])
    if "d" in jwk:
        raise InvalidInputError(
            "This JWK holds a private key. Send the public key only, and keep the private key to yourself.",
            problems=[FieldProblem("jwk.d", "private_key_sent", "A public JWK has no `d`.")],
        )
    try:
        public = jose.public_jwk(jose.public_key_from_jwk(jwk))
    except (ValueError, TypeError) as exc:
        raise RuleRefusalError(
            "The key must be an Ed25519 (OKP) or P-256 (EC) public JWK.",
            problems=[FieldProblem("jwk", "unsupported_key", str(exc))],
        ) from exc
    kid = jose.thumbprint(public)
    with transaction.atomic():
        if HolderKey.objects.filter(kid=kid).exists():
            raise StateConflictError("This key is already registered.")
        key = HolderKey.objects.create(
            studio=studio,
            kid=kid,
            alg=jose.alg_of(jose.public_key_from_jwk(public)),
            public_jwk=public,
            name=name,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.HOLDER_KEY_REGISTERED,
            subject_type=AuditSubject.HOLDER_KEY,
            subject_id=key.public_id,
            studio_id=studio.public_id,
            data={"kid": kid, "alg": key.alg},
        )
    return key


def holder_key_revoke(*, key: HolderKey, actor: Actor, now: dt.datetime | None = None) -> HolderKey:
    """No SD-JWT is issued to this key any more. Those issued before stay valid until they expire
    or their consent ends: a verifier cannot tell a revoked holder key from a live one."""
    now = now or timezone.now()
    with transaction.atomic():
        key = HolderKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            raise StateConflictError("This holder key is already revoked.")
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.HOLDER_KEY_REVOKED,
            subject_type=AuditSubject.HOLDER_KEY,
            subject_id=key.public_id,
            studio_id=key.studio.public_id if key.studio_id else "",
            performer_id=key.performer.public_id if key.performer_id else "",
            data={"kid": key.kid},
        )
    return key


def performer_holder_key(*, performer: Performer, now: dt.datetime | None = None) -> HolderKey:
    """The key the registry keeps for a performer's portal presentations; made on first need."""
    key = HolderKey.objects.filter(performer=performer, revoked_at__isnull=True).first()
    if key is not None:
        return key
    now = now or timezone.now()
    private = keys.new_private_key(jose.ISSUED_ALG)
    public = jose.public_jwk(private.public_key())
    try:
        with transaction.atomic():
            key = HolderKey.objects.create(
                performer=performer,
                kid=jose.thumbprint(public),
                alg=jose.ISSUED_ALG,
                public_jwk=public,
                private_encrypted=keys.encrypt_private_key(private),
                name="Kept by the registry for the portal",
                created_at=now,
            )
            audit_record(
                actor=Actor.system("holder key for portal presentations"),
                action=AuditAction.HOLDER_KEY_REGISTERED,
                subject_type=AuditSubject.HOLDER_KEY,
                subject_id=key.public_id,
                performer_id=performer.public_id,
                data={"kid": key.kid, "alg": key.alg, "kept_by_registry": True},
            )
            return key
    except IntegrityError:  # made at the same moment by another request
        return HolderKey.objects.get(performer=performer, revoked_at__isnull=True)


def presentation_share(
    *,
    grant: ConsentGrant,
    disclose: list[str],
    audience: str,
    nonce: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> SharedPresentation:
    """A presentation of the chosen consent claims for one recipient, made with the performer's
    registry-kept key and kept behind a link. The caller has checked that the acting person
    may act for the performer."""
    now = now or timezone.now()
    unknown = sorted(set(disclose) - set(DISCLOSABLE_CONSENT_CLAIMS) - {"jti"})
    if unknown:
        raise InvalidInputError(
            f"Not a disclosable claim: {', '.join(unknown)}.",
            problems=[
                FieldProblem("disclose", "unknown_claim", f"Choose from {', '.join(DISCLOSABLE_CONSENT_CLAIMS)}.")
            ],
        )
    holder_key = performer_holder_key(performer=grant.performer, now=now)
    issued = sd_jwt_issue(grant=grant, holder_key=holder_key, alg=jose.ISSUED_ALG, actor=actor, now=now)
    nonce = nonce or secrets.token_urlsafe(16)
    paths = sorted(name if name == "jti" else f"consent.{name}" for name in set(disclose))
    presentation = sdjwt.present(
        issued.sd_jwt,
        paths,
        holder_key=keys.decrypt_private_key(holder_key.private_encrypted),
        audience=audience,
        nonce=nonce,
        issued_at=int(now.timestamp()),
    )
    with transaction.atomic():
        shared = SharedPresentation.objects.create(
            token=issued.token,
            holder_key=holder_key,
            presentation=presentation,
            audience=audience,
            nonce=nonce,
            disclosed=paths,
            created_at=now,
            expires_at=min(now + dt.timedelta(days=settings.PRESENTATION_LINK_DAYS), issued.expires_at),
        )
        audit_record(
            actor=actor,
            action=AuditAction.PRESENTATION_SHARED,
            subject_type=AuditSubject.GRANT,
            subject_id=grant.public_id,
            performer_id=grant.performer.public_id,
            studio_id=grant.studio.public_id,
            data={"presentation": shared.public_id, "audience": audience, "disclosed": paths},
        )
    return shared
