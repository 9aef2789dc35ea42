"""Read-only admin view of the audit trail: staff may look, nobody may change."""

from __future__ import annotations

import base64
import re
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from registry.audit.models import AuditEvent
from registry.core.admin import LargeTableAdminMixin
from registry.tlog import merkle
from registry.tlog import selectors as log_selectors
from registry.tlog import services as log_services
from registry.tlog.models import LeafKind


@admin.register(AuditEvent)
class AuditEventAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor", "action_name", "subject")
    list_filter = ("subject_type", "action", "actor_kind", "occurred_at")
    # Staff look a thing up by its public id ("browse by subject"); the subject filter narrows it.
    search_fields = ("subject_id", "performer_id", "studio_id", "actor_name", "action")
    search_help_text = (
        "A subject's id (grant, request, case, invoice…), a performer or studio id, an actor or an action"
    )
    change_list_template = "admin/audit/auditevent/change_list.html"
    ordering = ("-id",)
    readonly_fields = (*(field.name for field in AuditEvent._meta.fields), "transparency_log")
    # Counting a long log on every page load is slow on PostgreSQL: LargeTableAdminMixin counts
    # at most 10,000 events and never the whole log.

    @admin.display(description="actor", ordering="actor_name")
    def actor(self, obj: AuditEvent) -> str:
        return f"{obj.actor_kind}: {obj.actor_name} ({obj.actor_id})"

    @admin.display(description="action", ordering="action")
    def action_name(self, obj: AuditEvent) -> str:
        """The action, breakable after its dots and underscores, so the list fits 1280 px."""
        parts = re.split(r"(?<=[._])", obj.action)
        return format_html_join("", "{}<wbr>", ((part,) for part in parts))

    @admin.display(description="subject", ordering="subject_type")
    def subject(self, obj: AuditEvent) -> str:
        return f"{obj.subject_type}: {obj.subject_id}"

    @admin.display(description="transparency log")
    def transparency_log(self, obj: AuditEvent):
        """The event's leaf, and its inclusion proof against the latest checkpoint, for anyone
        outside to check with the checkpoint and the log's public key."""
        leaf = log_selectors.leaf_for(LeafKind.AUDIT_EVENT, str(obj.pk))
        if leaf is None:
            return "Not in the log (recorded before the log began)."
        inclusion = log_selectors.leaf_inclusion(leaf)
        if not inclusion.sequenced:
            return "Pending: the sequencer has not reached this leaf yet."
        data = bytes(leaf.data)
        hashes = format_html_join(
            "", "<li><code>{}</code></li>", ((base64.b64encode(h).decode(),) for h in inclusion.proof)
        )
        return format_html(
            "<p>Leaf <strong>{}</strong> of {}: <code>{}</code></p><p>Leaf hash <code>{}</code></p>"
            "<p>Inclusion proof (RFC 9162 audit path, leaf end first):</p><ol>{}</ol>"
            "<p>Against the checkpoint:</p><pre>{}</pre>",
            leaf.index,
            inclusion.tree_size,
            data.decode("utf-8"),
            base64.b64encode(merkle.leaf_hash(data)).decode(),
            hashes,
            inclusion.checkpoint,
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        log_services.log_catch_up()  # embedded mode: sequence what is pending before showing the proof
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
