"""The portal's own records: requests to join and the invitations staff send.

Everything else the portal shows belongs to other apps and is written by their services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.core.vocabulary.portal import JoinRequestStatus


class JoinRequest(models.Model):
    """A performer asking for a portal login with their union member number; staff approve it
    when the details match the union's record."""

    member_number = models.CharField(max_length=32)
    legal_name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    date_of_birth = models.DateField()
    status = models.CharField(max_length=16, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.member_number}), {self.get_status_display().lower()}"


class PortalInvitation(models.Model):
    """An email inviting a performer or a representative to set a password. The link carries a
    Django token bound to the user's password hash, so it stops working once used."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_invitations")
    performer = models.ForeignKey(
        "parties.Performer", null=True, blank=True, on_delete=models.PROTECT, related_name="portal_invitations"
    )
    representative = models.ForeignKey(
        "parties.Representative", null=True, blank=True, on_delete=models.PROTECT, related_name="portal_invitations"
    )
    join_request = models.ForeignKey(
        JoinRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    sent_at = models.DateTimeField()
    sent_by = models.CharField(max_length=200)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            # An invitation is for exactly one party: a performer or a representative.
            models.CheckConstraint(
                condition=Q(performer__isnull=False, representative__isnull=True)
                | Q(performer__isnull=True, representative__isnull=False),
                name="portal_invitation_one_party",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.email} ({'accepted' if self.accepted_at else 'open'})"

    @property
    def party_name(self) -> str:
        if self.performer_id:
            return self.performer.legal_name
        return self.representative.name
