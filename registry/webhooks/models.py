"""Webhook endpoints a studio registers, the events sent to them, and every delivery attempt."""

from __future__ import annotations

from django.db import models

from registry.core.ids import new_public_id
from registry.core.vocabulary.webhooks import AttemptTrigger, DeliveryStatus, EndpointStatus, EventType

# A strike's grants are announced in batches, not one event per grant; endpoints that subscribed
# to the per-grant event a strike used to send get the batch too.
ALSO_SENT_TO_SUBSCRIBERS_OF = {
    EventType.STRIKE_GRANTS_SUSPENDED: EventType.GRANT_SUSPENDED,
    EventType.STRIKE_GRANTS_RESTORED: EventType.GRANT_RESUMED,
}


def new_endpoint_id() -> str:
    return new_public_id("whe")


def new_message_id() -> str:
    # The `webhook-id` header: the same for every attempt, so receivers can deduplicate.
    return new_public_id("msg")


def new_delivery_id() -> str:
    return new_public_id("whd")


class WebhookEndpoint(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_endpoint_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=1000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    # The signing secret must be read back to sign, so it is encrypted (Fernet, the
    # key-encryption key of the token-signing keys), never hashed; it is shown once.
    secret_encrypted = models.BinaryField(editable=False)
    status = models.CharField(max_length=16, choices=EndpointStatus.choices, default=EndpointStatus.ENABLED)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    # Set by the first failed attempt after a success, cleared by the next success: how long
    # the endpoint has been failing decides when it is disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["studio_id", "-id"]
        indexes = [models.Index(fields=["studio", "status"], name="webhook_endpoint_studio_status")]

    def __str__(self) -> str:
        return f"{self.url} ({self.public_id})"

    @property
    def is_enabled(self) -> bool:
        return self.status == EndpointStatus.ENABLED

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types or ALSO_SENT_TO_SUBSCRIBERS_OF.get(event_type) in self.event_types


class WebhookMessage(models.Model):
    """One event for one studio: the body every endpoint subscribed to it receives."""

    public_id = models.CharField(max_length=40, unique=True, default=new_message_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.CASCADE, related_name="webhook_messages")
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.public_id}"


class WebhookDelivery(models.Model):
    """A message on its way to one endpoint, with its retry schedule."""

    public_id = models.CharField(max_length=40, unique=True, default=new_delivery_id, editable=False)
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # Automatic attempts made so far: the index into the retry schedule.
    automatic_attempts = models.PositiveIntegerField(default=0)
    # When the next automatic attempt is due; also a lease while one is in flight.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "endpoint"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per HTTP attempt, whatever its outcome."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    trigger = models.CharField(max_length=16, choices=AttemptTrigger.choices, default=AttemptTrigger.AUTOMATIC)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
