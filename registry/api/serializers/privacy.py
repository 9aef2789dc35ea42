"""Bodies of the privacy endpoints: the export document's sections and erasure requests."""

from __future__ import annotations

from rest_framework import serializers

from registry.api import fields


class ErasureRequestCreateSerializer(serializers.Serializer):
    reason = fields.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional: anything staff should know. Cleared when the erasure is carried out.",
    )


class _RequestedBySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="performer or representative")
    id = serializers.CharField(help_text="The performer's public id, or the representative's user id")


class _RefusalSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.CharField())
    detail = serializers.CharField()


class ErasureRequestSerializer(serializers.Serializer):
    """Rendered from `registry.privacy.selectors.erasure_request_view`."""

    id = serializers.CharField()
    performer = serializers.CharField()
    # A plain string rather than a choice field: its values are listed here, and the schema
    # gets no new enum to collide with the others named `status`.
    status = serializers.CharField(help_text="pending, refused or completed")
    requested_at = serializers.DateTimeField()
    requested_by = _RequestedBySerializer()
    reason = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    refusal = _RefusalSerializer(allow_null=True)
    changes = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True, help_text="Rows changed per table, once carried out"
    )


class ErasureRequestListSerializer(serializers.Serializer):
    results = ErasureRequestSerializer(many=True)


_ROWS = serializers.ListField(child=serializers.DictField())


class PerformerExportSerializer(serializers.Serializer):
    """The export document (`format` registry-performer-export, `version` 1). Each section is
    described in the guide (Concepts, "Privacy: export and erasure"); within a version keys are only ever added."""

    format = serializers.CharField()
    version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    performer = serializers.DictField(help_text="Profile, member number, dates, portal login")
    representatives = serializers.ListField(child=serializers.DictField())
    preferences = serializers.DictField(allow_null=True)
    consent_requests = serializers.ListField(
        child=serializers.DictField(), help_text="Each with its description versions and signature"
    )
    grants = serializers.ListField(
        child=serializers.DictField(), help_text="Each with status history, suspensions and tokens"
    )
    usage_lines = serializers.ListField(child=serializers.DictField())
    earnings = serializers.DictField(help_text="document_lines (invoices, credit and debit notes) and ledger_accounts")
    residuals = serializers.DictField(help_text="cast_roles, bonus_shares, licence_shares")
    cases = serializers.ListField(child=serializers.DictField())
    portal = serializers.DictField(help_text="invitations and join_requests")
    erasure_requests = serializers.ListField(child=serializers.DictField())
    audit_events = serializers.ListField(
        child=serializers.DictField(), help_text="Every audit entry concerning the performer, with its chain hash"
    )
