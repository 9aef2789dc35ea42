"""Staff administration of the parties. Keys are issued and revoked through services only."""

from django.contrib import admin, messages
from django.utils.html import format_html

from registry.parties.callers import caller_for_user
from registry.parties.models import ApiKey, Performer, Representative, Studio, StudioContact
from registry.parties.services import api_key_issue, api_key_revoke


class RepresentativeInline(admin.TabularInline):
    model = Representative
    extra = 0
    fields = [
        "kind",
        "name",
        "email",
        "user",
        "valid_from",
        "valid_to",
        "authority_document",
        "revoked_at",
    ]
    readonly_fields = ["revoked_at"]
    fk_name = "performer"


@admin.register(Performer)
class PerformerAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "member_number",
        "legal_name",
        "professional_name",
        "date_of_birth",
        "date_of_death",
    ]
    search_fields = ["public_id", "member_number", "legal_name", "professional_name", "email"]
    list_filter = [("date_of_death", admin.EmptyFieldListFilter)]
    readonly_fields = ["public_id", "created_at"]
    raw_id_fields = ["user"]
    inlines = [RepresentativeInline]


@admin.register(Representative)
class RepresentativeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "performer", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["name", "email", "performer__legal_name", "performer__member_number"]
    raw_id_fields = ["performer", "user"]
    readonly_fields = ["revoked_at", "created_at"]


class StudioContactInline(admin.TabularInline):
    model = StudioContact
    extra = 0


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "name", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are issued with the admin action so the secret is shown once


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ["public_id", "legal_name", "signatory_status", "status"]
    list_filter = ["signatory_status", "status", "agreements"]
    search_fields = ["public_id", "legal_name"]
    readonly_fields = ["public_id", "created_at"]
    filter_horizontal = ["agreements"]
    inlines = [StudioContactInline, ApiKeyInline]
    actions = ["issue_api_key"]

    @admin.action(description="Issue a new API key (shown once)", permissions=["change"])
    def issue_api_key(self, request, queryset):
        for studio in queryset:
            _api_key, secret = api_key_issue(
                studio=studio,
                name="Issued by staff",
                scopes=None,
                actor=caller_for_user(request.user).actor(),
            )
            self.message_user(
                request,
                format_html(
                    "New API key for {}: <code>{}</code>. Copy it now; it is not stored and cannot be shown again.",
                    studio.legal_name,
                    secret,
                ),
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "studio", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "studio"]
    search_fields = ["prefix", "name", "studio__legal_name"]
    readonly_fields = ["prefix", "studio", "created_at", "last_used_at", "revoked_at"]
    fields = ["prefix", "studio", "name", "scopes", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key, actor=caller_for_user(request.user).actor())
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


@admin.register(StudioContact)
class StudioContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "role", "studio"]
    list_filter = ["role"]
    search_fields = ["name", "email", "studio__legal_name"]
