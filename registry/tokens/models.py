"""Signing keys, consent tokens, and the status lists that say whether each token still holds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.core.ids import new_public_id
from registry.core.vocabulary.tokens import KeyStatus
from registry.tokens import jose, statuslist


def new_status_list_id() -> str:
    return new_public_id("sl")


class SigningKey(models.Model):
    """An Ed25519 key. The private half is stored only encrypted with the key-encryption key."""

    kid = models.CharField(max_length=64, unique=True, help_text="RFC 7638 JWK thumbprint")
    public_x = models.CharField(max_length=64, help_text="base64url of the 32-byte public key")
    private_encrypted = models.BinaryField(editable=False)
    status = models.CharField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    compromised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=KeyStatus.ACTIVE), name="one_active_signing_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid[:12]}… ({self.status})"

    def jwk(self) -> dict[str, str]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.public_x,
            "kid": self.kid,
            "alg": jose.ISSUED_ALG,
            "use": "sig",
        }


class StatusList(models.Model):
    """One IETF token status list. Its content is rebuilt from token rows whenever a token's
    status changed after the last signed snapshot (change_seq > signed_seq)."""

    public_id = models.CharField(max_length=40, unique=True, default=new_status_list_id, editable=False)
    uri = models.URLField(
        max_length=400,
        editable=False,
        help_text="Where the list is published, fixed when it is created: its tokens carry this URI and "
        "every snapshot's `sub` repeats it, even after the registry moves to another address",
    )
    size = models.PositiveIntegerField(default=131072)
    allocated = models.PositiveIntegerField(default=0)
    change_seq = models.PositiveBigIntegerField(default=0)
    signed_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(uri=""), name="status_list_uri_set")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_dirty(self) -> bool:
        return self.change_seq > self.signed_seq


class StatusListSnapshot(models.Model):
    """A signed status list as served from `iat` on; kept so `?time=` can answer for the past."""

    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="snapshots")
    seq = models.PositiveBigIntegerField(help_text="change_seq the snapshot reflects")
    issued_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    jwt = models.TextField()

    class Meta:
        ordering = ["status_list_id", "-issued_at"]
        indexes = [models.Index(fields=["status_list", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.status_list.public_id} @ {self.issued_at.isoformat()}"


class TokenStatus(models.IntegerChoices):
    VALID = statuslist.VALID, "Valid"
    INVALID = statuslist.INVALID, "Invalid (revoked, expired, superseded or re-issued)"
    SUSPENDED = statuslist.SUSPENDED, "Suspended"


class ConsentToken(models.Model):
    """A signed consent token for one grant version. A grant may get a new token (e.g. when its
    signing key is compromised); each token has its own never-reused status slot."""

    grant = models.ForeignKey("consent.ConsentGrant", on_delete=models.PROTECT, related_name="tokens")
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="tokens")
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="tokens")
    status_index = models.PositiveIntegerField()
    status = models.PositiveSmallIntegerField(choices=TokenStatus.choices, default=TokenStatus.VALID)
    issued_at = models.DateTimeField()
    not_before = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    jws = models.TextField()
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # Never reused: one token per slot, forever.
            models.UniqueConstraint(fields=["status_list", "status_index"], name="token_status_slot_unique"),
        ]
        indexes = [models.Index(fields=["status_list", "status"])]

    def __str__(self) -> str:
        return f"token {self.grant.public_id} #{self.pk}"
