"""Signing keys, consent tokens, and the status lists that say whether each token still holds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.core.ids import new_public_id
from registry.core.vocabulary.tokens import KeyStatus
from registry.tokens import jose, statuslist


def new_status_list_id() -> str:
    return new_public_id("sl")


class KeyAlg(models.TextChoices):
    """What a key signs with. Ed25519 signs consent tokens and status lists (the pinned contract);
    SD-JWTs are signed by the key of the algorithm their holder asks for, ES256 where a wallet
    accepts nothing else."""

    EDDSA = jose.ISSUED_ALG, "EdDSA (Ed25519)"
    ES256 = jose.ES256, "ES256 (ECDSA P-256, SHA-256)"


class SigningKey(models.Model):
    """An Ed25519 or P-256 key; one active key per algorithm. The private half is stored only
    encrypted with the key-encryption key."""

    kid = models.CharField(max_length=64, unique=True, help_text="RFC 7638 JWK thumbprint")
    alg = models.CharField(max_length=8, choices=KeyAlg.choices, default=KeyAlg.EDDSA)
    public_x = models.CharField(max_length=64, help_text="base64url of the 32-byte public key (its x for P-256)")
    public_y = models.CharField(max_length=64, blank=True, help_text="base64url of a P-256 key's y; empty for Ed25519")
    private_encrypted = models.BinaryField(editable=False)
    signed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The latest expiry of an SD-JWT this key signed: a retired key stays published until then "
        "(consent tokens keep theirs published through their own rows)",
    )
    status = models.CharField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    compromised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alg"], condition=Q(status=KeyStatus.ACTIVE), name="one_active_signing_key_per_alg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid[:12]}… ({self.status})"

    def public_jwk(self) -> dict[str, str]:
        if self.alg == KeyAlg.ES256:
            return {"kty": "EC", "crv": "P-256", "x": self.public_x, "y": self.public_y}
        return {"kty": "OKP", "crv": "Ed25519", "x": self.public_x}

    def jwk(self) -> dict[str, str]:
        return {**self.public_jwk(), "kid": self.kid, "alg": self.alg, "use": "sig"}


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


def new_holder_key_id() -> str:
    return new_public_id("hk")


def new_presentation_id() -> str:
    return new_public_id("prs")


class HolderKey(models.Model):
    """A public key SD-JWTs are bound to (their `cnf`), so only its holder can present them.
    A studio registers its own over the API and keeps the private half; a performer's is kept
    by the registry, encrypted like its signing keys, and used only when the performer (or
    whoever acts for them) presents a consent from the portal."""

    public_id = models.CharField(max_length=40, unique=True, default=new_holder_key_id, editable=False)
    studio = models.ForeignKey(
        "parties.Studio", null=True, blank=True, on_delete=models.PROTECT, related_name="holder_keys"
    )
    performer = models.ForeignKey(
        "parties.Performer", null=True, blank=True, on_delete=models.PROTECT, related_name="holder_keys"
    )
    kid = models.CharField(max_length=64, unique=True, help_text="RFC 7638 thumbprint of the public key")
    alg = models.CharField(max_length=8, choices=KeyAlg.choices)
    public_jwk = models.JSONField(help_text="The public key as a JWK (Ed25519 OKP or P-256 EC)")
    private_encrypted = models.BinaryField(
        null=True, blank=True, editable=False, help_text="Only for a performer's key the registry keeps"
    )
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(studio__isnull=False, performer__isnull=True)
                | Q(studio__isnull=True, performer__isnull=False),
                name="holder_key_one_holder",
            ),
            # The registry keeps one key for each performer.
            models.UniqueConstraint(
                fields=["performer"],
                condition=Q(performer__isnull=False, revoked_at__isnull=True),
                name="one_live_key_per_performer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.alg})"


class SharedPresentation(models.Model):
    """A presentation a performer made from the portal for someone else: what it discloses, to
    whom (`audience`), under which `nonce`, and until when its link answers. The link's id is
    128 random bits; whoever holds it sees what the performer chose to show, nothing more."""

    public_id = models.CharField(max_length=40, unique=True, default=new_presentation_id, editable=False)
    token = models.ForeignKey(ConsentToken, on_delete=models.PROTECT, related_name="presentations")
    holder_key = models.ForeignKey(HolderKey, on_delete=models.PROTECT, related_name="presentations")
    presentation = models.TextField()
    audience = models.CharField(max_length=200)
    nonce = models.CharField(max_length=100)
    disclosed = models.JSONField(help_text="The claims shown, as dotted paths (consent.use, …)")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.public_id
