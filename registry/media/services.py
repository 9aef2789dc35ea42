"""Writes for content credentials: sign a studio's media file for one of its consents with the
registry's certificate, and record it."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry.audit.catalogue import AuditAction, AuditSubject
from registry.audit.services import audit_record
from registry.consent import selectors as consent_selectors
from registry.consent.models import ConsentGrant, PerformerPreferences
from registry.consent.rules import UseQuery
from registry.core.actors import Actor
from registry.core.errors import FieldProblem, NotFoundError, RuleViolationError
from registry.media import credentials
from registry.media.certificates import signing_material
from registry.media.errors import media_refused
from registry.media.models import MediaCredential
from registry.tlog import selectors as log_selectors
from registry.tlog import services as log_services
from registry.tlog.models import LeafKind
from registry.tokens.selectors import current_token


def media_sign(
    *,
    grant: ConsentGrant,
    data: bytes,
    use: str | None = None,
    media: list[str] | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> tuple[bytes, MediaCredential]:
    """Embed a signed C2PA manifest naming this grant's consent token in the file. The use and
    media the file is for are checked against the grant now, as a consent check is: the registry
    does not sign what the consent does not cover."""
    now = now or timezone.now()
    use = use or grant.use
    media = list(media or [])
    token = current_token(grant)
    if token is None:
        raise NotFoundError("This grant has no token.")
    query = UseQuery(use=use, project=grant.scope().project, on=timezone.localdate(now), media=tuple(media))
    _, outcome = consent_selectors.grant_standing(grant, query, now)
    if not outcome.allowed:
        raise RuleViolationError(
            "The consent does not cover this use now; the registry signs only what it covers.",
            problems=[FieldProblem(r.field, r.code, r.message) for r in outcome.reasons],
        )
    chain, key = signing_material()
    log_services.log_catch_up()
    issued = log_selectors.leaf_for(LeafKind.TOKEN_ISSUED, str(token.pk))
    do_not_train = PerformerPreferences.objects.filter(performer_id=grant.performer_id, do_not_train=True).exists()
    manifest = credentials.manifest_definition(
        token_jws=token.jws,
        token_id=grant.public_id,
        status={"status_list": {"idx": token.status_index, "uri": token.status_list.uri}},
        registry=settings.REGISTRY_BASE_URL,
        use=use,
        media=media,
        do_not_train=do_not_train,
        signed_at=now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        title=f"{grant.project_title} ({use})",
        # Where the log has sequenced the token's issue, whoever reads the file can prove it.
        log_leaf=issued.index if issued is not None else None,
    )
    try:
        signed = credentials.sign(data, manifest, chain_pem=chain, private_key=key)
        label = credentials.read(signed, trust_anchors_pem=None).label
    except credentials.MediaFault as fault:
        raise media_refused(fault) from fault
    with transaction.atomic():
        record = MediaCredential.objects.create(
            manifest_label=label,
            grant=grant,
            token=token,
            studio=grant.studio,
            mime_type=credentials.sniff_mime(data[:16]),
            use=use,
            media=media,
            asset_sha256=hashlib.sha256(signed).hexdigest(),
            size=len(signed),
            signed_at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.MEDIA_SIGNED,
            subject_type=AuditSubject.GRANT,
            subject_id=grant.public_id,
            performer_id=grant.performer.public_id,
            studio_id=grant.studio.public_id,
            data={"credential": record.public_id, "manifest": label, "mime_type": record.mime_type, "use": use},
        )
    return signed, record
