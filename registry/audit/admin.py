"""Read-only admin view of the audit trail: staff may look, nobody may change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from registry.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor", "action", "subject")
    list_filter = ("subject_type", "action", "actor_kind", "occurred_at")
    # Staff look a thing up by its public id ("browse by subject"); the subject filter narrows it.
    search_fields = ("subject_id", "performer_id", "studio_id", "actor_name", "action")
    search_help_text = (
        "A subject's id (grant, request, case, invoice…), a performer or studio id, an actor or an action"
    )
    change_list_template = "admin/audit/auditevent/change_list.html"
    ordering = ("-id",)
    readonly_fields = tuple(field.name for field in AuditEvent._meta.fields)
    # Counting a long log on every page load is slow on PostgreSQL.
    show_full_result_count = False

    @admin.display(description="actor", ordering="actor_name")
    def actor(self, obj: AuditEvent) -> str:
        return f"{obj.actor_kind}: {obj.actor_name} ({obj.actor_id})"

    @admin.display(description="subject", ordering="subject_type")
    def subject(self, obj: AuditEvent) -> str:
        return f"{obj.subject_type}: {obj.subject_id}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
