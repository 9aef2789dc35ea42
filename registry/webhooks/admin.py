"""Staff see endpoints and the delivery log, and redeliver; writes go through the services."""

from django.contrib import admin, messages
from django.db import models

from registry.core.errors import DomainError
from registry.parties.callers import caller_for_user
from registry.webhooks import services
from registry.webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False  # endpoints are registered by studios over the API; the rest by the registry

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "studio", "url", "status", "failing_since", "disabled_at", "created_at"]
    list_filter = ["status", "studio"]
    search_fields = ["public_id", "url", "studio__legal_name"]
    exclude = ["secret_encrypted"]
    list_select_related = ["studio"]
    # Endpoints are https in production; also silences Django 6's change of the form default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "trigger", "started_at", "status_code", "latency_ms", "succeeded", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "event_type", "endpoint", "status", "automatic_attempts", "next_attempt_at"]
    list_filter = ["status", "message__event_type"]
    search_fields = ["public_id", "message__public_id", "endpoint__public_id", "endpoint__studio__legal_name"]
    list_select_related = ["message", "endpoint"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="event")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.message.event_type

    def has_redeliver_permission(self, request) -> bool:
        # Deliveries are read-only records for everyone; sending one again is a union admin's act,
        # so the action is not even offered to analysts.
        return caller_for_user(request.user).is_union_admin

    @admin.action(description="Redeliver the selected deliveries now", permissions=["redeliver"])
    def redeliver(self, request, queryset) -> None:
        caller = caller_for_user(request.user)
        sent = 0
        for delivery in queryset:
            try:
                services.delivery_redeliver(delivery=delivery, actor=caller.actor())
                sent += 1
            except DomainError as exc:
                self.message_user(request, f"{delivery.public_id}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{sent} deliveries queued for redelivery.", messages.SUCCESS)


@admin.register(WebhookMessage)
class WebhookMessageAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "event_type", "studio", "created_at"]
    list_filter = ["event_type"]
    search_fields = ["public_id", "studio__legal_name"]
    list_select_related = ["studio"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
