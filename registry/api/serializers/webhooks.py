"""Shapes of the webhook endpoints, their deliveries and the delivery log."""

from __future__ import annotations

from rest_framework import serializers

from registry.api import fields
from registry.core.vocabulary.webhooks import AttemptTrigger, DeliveryStatus, EndpointStatus, EventType
from registry.webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    studio = serializers.CharField(source="studio.public_id", read_only=True)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    status = serializers.ChoiceField(choices=EndpointStatus.choices, read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "studio",
            "url",
            "description",
            "event_types",
            "status",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = fields.URIField(max_length=1000, help_text="Where events are POSTed; https in production.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.values),
        help_text="The events this endpoint receives.",
    )
    description = fields.CharField(max_length=200, required=False, default="", allow_blank=True)


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    url = fields.URIField(max_length=1000, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.values),
        required=False,
    )
    description = fields.CharField(max_length=200, required=False, allow_blank=True)
    enabled = fields.BooleanField(required=False, help_text="Enable a disabled endpoint again, or pause one.")


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (`whsec_…`), shown only in this response. Keep it to verify signatures.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    trigger = serializers.ChoiceField(choices=AttemptTrigger.choices)

    class Meta:
        model = DeliveryAttempt
        fields = [
            "number",
            "trigger",
            "started_at",
            "finished_at",
            "status_code",
            "latency_ms",
            "succeeded",
            "error",
            "response_excerpt",
        ]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    endpoint = serializers.CharField(source="endpoint.public_id", read_only=True)
    message = serializers.CharField(source="message.public_id", read_only=True, help_text="The `webhook-id` header.")
    event_type = serializers.ChoiceField(source="message.event_type", choices=EventType.choices, read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    payload = serializers.JSONField(source="message.payload", read_only=True, help_text="The body sent.")
    attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "message",
            "event_type",
            "status",
            "automatic_attempts",
            "next_attempt_at",
            "last_attempt_at",
            "succeeded_at",
            "created_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields
