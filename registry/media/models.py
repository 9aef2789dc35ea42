"""Content credentials the registry signed: which file, for which consent, when."""

from __future__ import annotations

from django.db import models

from registry.core.ids import new_public_id


def new_media_credential_id() -> str:
    return new_public_id("mc")


class MediaCredential(models.Model):
    """One C2PA manifest the registry signed for a studio. A file's manifest label finds it again,
    so verification reads the signing time from this record rather than from the file."""

    public_id = models.CharField(max_length=40, unique=True, default=new_media_credential_id, editable=False)
    manifest_label = models.CharField(max_length=200, unique=True, help_text="The C2PA manifest's label (urn:c2pa:…)")
    grant = models.ForeignKey("consent.ConsentGrant", on_delete=models.PROTECT, related_name="media_credentials")
    token = models.ForeignKey("tokens.ConsentToken", on_delete=models.PROTECT, related_name="media_credentials")
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="media_credentials")
    mime_type = models.CharField(max_length=40)
    use = models.CharField(max_length=24)
    media = models.JSONField(default=list)
    asset_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the signed file as returned")
    size = models.PositiveBigIntegerField()
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.mime_type})"
