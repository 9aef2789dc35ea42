"""The transparency log's storage: leaves (pending until sequenced), tiles of hashes, signed
checkpoints, the log's signing keys, and the witnesses that cosign its checkpoints."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class LeafKind(models.TextChoices):
    AUDIT_EVENT = "audit_event", "Audit event"
    TOKEN_ISSUED = "token_issued", "Token issued"
    TOKEN_STATUS = "token_status", "Token status changed"
    LOG_KEY = "log_key", "Log key rotated"
    WITNESS = "witness", "Witness added or changed"


class LogLeaf(models.Model):
    """One entry of the log. Written pending (no index) in the transaction of what it records;
    the sequencer gives it its index, once, in the transaction of the checkpoint that covers it."""

    id = models.BigAutoField(primary_key=True)
    index = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="Position in the log; empty while pending"
    )
    kind = models.CharField(max_length=20, choices=LeafKind.choices)
    ref = models.CharField(max_length=64, help_text="What it records: an audit event's or a token's id")
    data = models.BinaryField(help_text="The entry's bytes (a JSON object, see registry/tlog/leaves.py)")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(index__gte=0), name="tlog_leaf_index_not_negative")]
        indexes = [
            models.Index(fields=["kind", "ref"], name="tlog_leaf_ref"),
            # The sequencer reads pending leaves in id order; sequenced ones (nearly all) stay out.
            models.Index(fields=["id"], condition=Q(index__isnull=True), name="tlog_leaf_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} @ {self.index if self.index is not None else 'pending'}"


class LogTile(models.Model):
    """A tile of tlog-tiles: up to 256 consecutive hashes of one level. Kept at its widest; a
    partial tile of width W is the first W hashes of it."""

    level = models.PositiveSmallIntegerField()
    number = models.BigIntegerField()
    hashes = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "number"], name="tlog_tile_unique")]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.number} ({len(self.hashes) // 32} hashes)"


class Checkpoint(models.Model):
    """A signed tree head (tlog-checkpoint), one per sequenced batch. Sizes only grow."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField()
    note = models.TextField(help_text="The checkpoint as the log signed it (a signed note)")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-size"]
        constraints = [models.CheckConstraint(condition=Q(size__gte=0), name="tlog_checkpoint_size_not_negative")]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class LogKeyStatus(models.TextChoices):
    ACTIVE = "active", "Active: signs checkpoints"
    RETIRED = "retired", "Retired: co-signs checkpoints during the overlap, then published as past"


class LogKey(models.Model):
    """The log's Ed25519 key (never a token key). The private half is stored only encrypted with
    the key-encryption key (registry/core/encryption.py)."""

    name = models.CharField(max_length=200, help_text="The key name, which is the log's origin")
    key_id = models.BigIntegerField(help_text="The signed-note key id (4 bytes)")
    public_key = models.BinaryField()
    private_encrypted = models.BinaryField(editable=False)
    status = models.CharField(max_length=10, choices=LogKeyStatus.choices, default=LogKeyStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=LogKeyStatus.ACTIVE), name="tlog_one_active_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id:08x} ({self.status})"


class Witness(models.Model):
    """A witness (C2SP tlog-witness) the log submits its checkpoints to for cosigning."""

    name = models.CharField(max_length=200, unique=True)
    verifier_key = models.CharField(
        max_length=300, help_text="Its cosignature verifier key: <name>+<hex key id>+base64(0x04 || Ed25519 key)"
    )
    url = models.URLField(max_length=400, help_text="Its submission prefix; the log POSTs to <url>/add-checkpoint")
    enabled = models.BooleanField(default=True)
    cosigned_size = models.BigIntegerField(default=0, help_text="Size of the latest checkpoint it cosigned for us")
    last_error = models.CharField(max_length=500, blank=True)
    last_cosigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    line = models.CharField(max_length=400, help_text="The note signature line the witness returned")
    timestamp = models.BigIntegerField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checkpoint", "witness"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="tlog_one_cosignature_each")]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"
