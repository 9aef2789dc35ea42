"""Staff administration of the parties. Keys, studio status and representatives' authority
change through services only, so each change is in the audit trail."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from registry.core.vocabulary.parties import StudioStatus
from registry.parties.callers import caller_for_user
from registry.parties.models import ApiKey, Jurisdiction, Performer, Representative, Studio, StudioContact
from registry.parties.services import (
    api_key_issue,
    api_key_revoke,
    representative_authorise,
    representative_revoke,
    studio_set_status,
    validate_representative,
)

REPRESENTATIVE_FIELDS = ["kind", "name", "email", "user", "valid_from", "valid_to", "authority_document"]


class RepresentativeInline(admin.TabularInline):
    """Read-only here: authority is added on the Representatives page (through the service)."""

    model = Representative
    extra = 0
    fields = [*REPRESENTATIVE_FIELDS, "revoked_at"]
    readonly_fields = fields
    fk_name = "performer"
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    """The law of a performer's likeness after death: the estate acts until the post-mortem
    protection period ends (registry.parties.rules)."""

    list_display = ["code", "name", "post_mortem_protection_years", "minor_earnings_set_aside", "source_confidence"]
    list_filter = ["source_confidence"]
    search_fields = ["code", "name"]


@admin.register(Performer)
class PerformerAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "member_number",
        "legal_name",
        "professional_name",
        "date_of_birth",
        "date_of_death",
        "jurisdiction",
    ]
    search_fields = ["public_id", "member_number", "legal_name", "professional_name", "email"]
    list_filter = [("date_of_death", admin.EmptyFieldListFilter)]
    readonly_fields = ["public_id", "created_at"]
    raw_id_fields = ["user"]
    inlines = [RepresentativeInline]


class RepresentativeForm(forms.ModelForm):
    class Meta:
        model = Representative
        fields = ["performer", *REPRESENTATIVE_FIELDS]

    def clean(self):
        """The service's own checks, so a refusal is a form error rather than an error page."""
        data = super().clean()
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "The authority must end on or after it starts.")
        if data.get("performer") and data.get("kind") and data.get("valid_from"):
            try:
                validate_representative(performer=data["performer"], kind=data["kind"], valid_from=data["valid_from"])
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict) from exc
        return data


@admin.register(Representative)
class RepresentativeAdmin(admin.ModelAdmin):
    """Added through `representative_authorise`, ended through `representative_revoke`; an
    authority once given is a record, so it is never edited (end it and add another)."""

    form = RepresentativeForm
    list_display = ["name", "kind", "performer", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "performer__legal_name", "performer__member_number"]
    raw_id_fields = ["performer", "user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["performer", *REPRESENTATIVE_FIELDS, "revoked_at", "created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return  # every field is read-only once created
        data = form.cleaned_data
        created = representative_authorise(
            performer=data["performer"],
            kind=data["kind"],
            name=data["name"],
            email=data.get("email") or "",
            user=data.get("user"),
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            authority_document=data["authority_document"],
            actor=caller_for_user(request.user).actor(),
        )
        obj.pk, obj.created_at = created.pk, created.created_at

    @admin.action(description="End the selected authorities (from now)", permissions=["change"])
    def revoke(self, request, queryset):
        actor = caller_for_user(request.user).actor()
        for representative in queryset:
            representative_revoke(representative=representative, actor=actor)
        self.message_user(request, f"Ended {queryset.count()} authorit(ies).")


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
    readonly_fields = ["public_id", "status", "created_at"]
    filter_horizontal = ["agreements"]
    inlines = [StudioContactInline, ApiKeyInline]
    actions = ["issue_api_key", "suspend", "reactivate"]

    @admin.action(description="Suspend the selected studios (their API keys are refused)", permissions=["change"])
    def suspend(self, request, queryset):
        self._set_status(request, queryset, StudioStatus.SUSPENDED)

    @admin.action(description="Reactivate the selected studios", permissions=["change"])
    def reactivate(self, request, queryset):
        self._set_status(request, queryset, StudioStatus.ACTIVE)

    def _set_status(self, request, queryset, status: str) -> None:
        actor = caller_for_user(request.user).actor()
        for studio in queryset:
            studio_set_status(studio=studio, status=status, reason="set by staff in the admin", actor=actor)
        self.message_user(request, f"{queryset.count()} studio(s) now {status}.")

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
