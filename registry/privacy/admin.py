"""Staff review erasure requests here: carry them out or refuse them, each through a service."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from registry.core.errors import DomainError
from registry.parties.callers import caller_for_user
from registry.privacy import services
from registry.privacy.models import ErasureRequest


class RefuseForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    list_display = ["public_id", "performer_public_id", "status", "requested_at", "requested_by_kind", "decided_at"]
    list_filter = ["status", "requested_by_kind"]
    search_fields = ["public_id", "performer__public_id"]
    actions = ["carry_out", "refuse"]
    readonly_fields = [
        "public_id",
        "performer",
        "status",
        "requested_at",
        "requested_by_kind",
        "requested_by_id",
        "reason",
        "decided_at",
        "decided_by",
        "refusal_codes",
        "refusal_detail",
        "changes",
    ]

    @admin.display(description="performer", ordering="performer__public_id")
    def performer_public_id(self, obj: ErasureRequest) -> str:
        return obj.performer.public_id

    # Requests come from the performer side over the API or portal; staff decide, never edit.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _require_admin(self, request) -> None:
        if not request.user.has_perm("privacy.change_erasurerequest"):
            raise PermissionDenied

    @admin.action(description="Carry out the selected erasures (pseudonymise the performers)", permissions=["view"])
    def carry_out(self, request, queryset):
        """Each request in its own transaction: one refused by the rules does not stop the others."""
        self._require_admin(request)
        actor = caller_for_user(request.user).actor()
        for erasure in queryset.select_related("performer"):
            try:
                done = services.erasure_carry_out(request=erasure, actor=actor)
            except DomainError as exc:
                self.message_user(request, f"{erasure.public_id}: {exc.message}", messages.WARNING)
            else:
                rows = sum(done.changes.values())
                self.message_user(
                    request,
                    f"{done.public_id}: {done.performer.public_id} pseudonymised ({rows} rows changed).",
                    messages.SUCCESS,
                )
        return None

    @admin.action(description="Refuse the selected erasure requests (with a reason)", permissions=["view"])
    def refuse(self, request, queryset):
        self._require_admin(request)
        form = RefuseForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Refuse erasure requests",
                "form": form,
                "requests": queryset.select_related("performer"),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/privacy/erasurerequest/refuse.html", context)
        actor = caller_for_user(request.user).actor()
        for erasure in queryset:
            try:
                services.erasure_request_refuse(request=erasure, reason=form.cleaned_data["reason"], actor=actor)
            except DomainError as exc:
                self.message_user(request, f"{erasure.public_id}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"{erasure.public_id} refused.", messages.SUCCESS)
        return None
