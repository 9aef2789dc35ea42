"""Writes of the staff console: enrolling a staff member's TOTP device (audited)."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.core.errors import InvalidInputError, StateConflictError

DEVICE_NAME = "Authenticator app"


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed device a staff member is setting up: the same secret until they confirm
    it, so reloading the page does not invalidate the QR code they just scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str, actor: Actor) -> TOTPDevice:
    """Confirm a device with a code it produced. Refuses a wrong code (the device's own
    throttling applies) and a device that is confirmed already."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed:
            raise StateConflictError("This device is already set up.")
        if not device.verify_token(token):
            raise InvalidInputError("That code is not right. Check the time on your phone and try the next code.")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=actor,
            action="staff.two_factor_enrolled",
            subject_type="user",
            subject_id=str(device.user_id),
            data={"device": device.persistent_id},
        )
    return device
