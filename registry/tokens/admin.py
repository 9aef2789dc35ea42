"""Staff views of tokens and keys: read only. Tokens follow their grant's status through the
consent services, and keys rotate by command; the private key is never shown."""

from django.contrib import admin

from registry.core.admin import IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin
from registry.parties import selectors as party_selectors
from registry.tokens.models import ConsentToken, SigningKey, StatusList


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kid", "status", "created_at", "retired_at", "compromised_at"]
    list_filter = ["status"]
    search_fields = ["kid"]
    fields = ["kid", "public_x", "status", "created_at", "retired_at", "compromised_at"]
    readonly_fields = fields


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "size", "allocated", "change_seq", "signed_seq", "created_at"]
    search_fields = ["public_id"]
    readonly_fields = ["public_id", "uri", "size", "allocated", "change_seq", "signed_seq", "created_at"]


@admin.register(ConsentToken)
class ConsentTokenAdmin(IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["grant", "performer", "studio", "status", "issued_at", "expires_at", "signing_key"]
    list_filter = ["status", "grant__studio", "issued_at", "expires_at"]
    # Read by IndexedSearchMixin.get_search_results (search_arms); listed so the box shows.
    search_fields = ["grant", "performer", "studio"]
    search_help_text = (
        "A grant's id exactly, a performer's id or member number, or part of a performer's or studio's name"
    )

    def search_arms(self, term: str) -> list:
        return [
            ConsentToken.objects.filter(grant__public_id=term),
            *party_selectors.party_search_arms(ConsentToken, term, through="grant__"),
        ]

    date_hierarchy = "issued_at"
    list_select_related = ["grant__performer", "grant__studio", "signing_key"]
    readonly_fields = [
        "grant",
        "signing_key",
        "status_list",
        "status_index",
        "status",
        "issued_at",
        "not_before",
        "expires_at",
        "replaced_by",
        "jws",
    ]

    @admin.display(description="performer", ordering="grant__performer__legal_name")
    def performer(self, obj: ConsentToken) -> str:
        return obj.grant.performer.legal_name

    @admin.display(description="studio", ordering="grant__studio__legal_name")
    def studio(self, obj: ConsentToken) -> str:
        return obj.grant.studio.legal_name
