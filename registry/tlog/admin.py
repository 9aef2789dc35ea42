"""The transparency log in the admin: witnesses are configured here; leaves, checkpoints and
keys are shown, never changed (they change only through the sequencer and rotate_log_key)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from registry.core.admin import ReadOnlyAdminMixin
from registry.tlog import note, selectors, services
from registry.tlog.models import Checkpoint, LogKey, LogLeaf, Witness


class WitnessForm(forms.ModelForm):
    url = forms.URLField(max_length=400, assume_scheme="https", help_text=Witness._meta.get_field("url").help_text)

    class Meta:
        model = Witness
        fields = ["name", "verifier_key", "url", "enabled"]

    def clean(self):
        cleaned = super().clean()
        vkey, name = cleaned.get("verifier_key"), cleaned.get("name")
        if vkey:
            try:
                verifier = note.parse_vkey(vkey)
            except note.NoteError as exc:
                self.add_error("verifier_key", f"Not a verifier key: {exc}.")
                return cleaned
            if verifier.kind != note.COSIGNATURE_V1:
                self.add_error("verifier_key", "A witness's key is a cosignature key (type 0x04, tlog-cosignature).")
            elif name and verifier.name != name:
                self.add_error("name", f"The key is named {verifier.name!r}: use that name.")
        return cleaned


@admin.register(Witness)
class WitnessAdmin(admin.ModelAdmin):
    form = WitnessForm
    list_display = ("name", "url", "enabled", "cosigned_size", "last_cosigned_at", "last_error")
    readonly_fields = ("cosigned_size", "last_cosigned_at", "last_error")

    def save_model(self, request, obj: Witness, form, change: bool) -> None:
        services.witness_save(witness=obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its cosignatures stay published: a witness is disabled, not deleted


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("size", "created_at", "cosigned_by")
    fields = ("size", "created_at", "published")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="cosigned by")
    def cosigned_by(self, obj: Checkpoint) -> str:
        return ", ".join(obj.cosignatures.values_list("witness__name", flat=True)) or "-"

    @admin.display(description="as published (signed note)")
    def published(self, obj: Checkpoint):
        return format_html("<pre>{}</pre>", selectors.published_note(obj))


@admin.register(LogKey)
class LogKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "key_id_hex", "status", "created_at", "retired_at")
    fields = ("name", "key_id_hex", "verifier_key", "status", "created_at", "retired_at")
    readonly_fields = fields

    @admin.display(description="key id")
    def key_id_hex(self, obj: LogKey) -> str:
        return f"{obj.key_id:08x}"

    @admin.display(description="verifier key")
    def verifier_key(self, obj: LogKey) -> str:
        return selectors.verifier(obj).vkey


@admin.register(LogLeaf)
class LogLeafAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("index", "kind", "ref", "created_at")
    list_filter = ("kind",)
    search_fields = ("=ref",)
    fields = ("index", "kind", "ref", "created_at", "record")
    readonly_fields = fields
    ordering = ("-id",)
    show_full_result_count = False

    @admin.display(description="entry")
    def record(self, obj: LogLeaf):
        return format_html("<pre>{}</pre>", bytes(obj.data).decode("utf-8"))
