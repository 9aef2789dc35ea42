"""Reads for tokens: the published keys, a grant's current token, status list snapshots."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from registry.core.vocabulary.tokens import KeyStatus
from registry.tokens.models import (
    ConsentToken,
    HolderKey,
    SharedPresentation,
    SigningKey,
    StatusList,
    StatusListSnapshot,
)


def published_keys(*, now: dt.datetime | None = None) -> list[SigningKey]:
    """The active keys and every retired key that signed a token or an SD-JWT not yet expired.
    Compromised keys are never published."""
    now = now or timezone.now()
    live_token = ConsentToken.objects.filter(signing_key=OuterRef("pk"), expires_at__gt=now)
    return list(
        SigningKey.objects.annotate(has_live=Exists(live_token))
        .filter(
            Q(status=KeyStatus.ACTIVE)
            | Q(status=KeyStatus.RETIRED, has_live=True)
            | Q(status=KeyStatus.RETIRED, signed_until__gt=now)
        )
        .order_by("-created_at")
    )


def jwks(*, now: dt.datetime | None = None) -> dict:
    return {"keys": [key.jwk() for key in published_keys(now=now)]}


def current_token(grant) -> ConsentToken | None:
    """The token that currently stands for this grant version (not replaced by a re-issue)."""
    return (
        ConsentToken.objects.filter(grant=grant, replaced_by__isnull=True)
        .select_related("signing_key", "status_list")
        .order_by("-issued_at")
        .first()
    )


def status_list_by_public_id(public_id: str) -> StatusList | None:
    return StatusList.objects.filter(public_id=public_id).first()


def status_list_snapshot(status_list: StatusList, *, at: dt.datetime | None = None) -> StatusListSnapshot | None:
    """The newest snapshot (or the one in force at `at`)."""
    qs = status_list.snapshots.all()
    if at is not None:
        qs = qs.filter(issued_at__lte=at)
    return qs.order_by("-issued_at").first()


def holder_keys_of_studio(studio) -> QuerySet[HolderKey]:
    return HolderKey.objects.filter(studio=studio).order_by("-created_at", "-id")


def shared_presentation(public_id: str, *, now: dt.datetime | None = None) -> SharedPresentation | None:
    """A presentation link that still answers (not past its expiry)."""
    return (
        SharedPresentation.objects.filter(public_id=public_id, expires_at__gt=now or timezone.now())
        .select_related("token", "holder_key")
        .first()
    )
