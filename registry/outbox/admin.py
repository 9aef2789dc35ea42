from django.contrib import admin

from registry.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by services and marked by the relay, never edited by hand."""

    list_display = ("id", "task", "args", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("task", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("task", "dedupe_key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
