"""The studio's own profile and contacts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.api import fields
from registry.api.serializers.common import AgreementSummarySerializer
from registry.core.vocabulary.parties import ContactRole
from registry.parties.models import Studio, StudioContact


class ApiKeySummarySerializer(serializers.Serializer):
    prefix = serializers.CharField()
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class StudioMeSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    agreements = AgreementSummarySerializer(many=True, read_only=True)
    api_key = serializers.SerializerMethodField(help_text="The key this request was made with.")

    class Meta:
        model = Studio
        fields = ["id", "legal_name", "signatory_status", "status", "agreements", "api_key"]

    @extend_schema_field(ApiKeySummarySerializer)
    def get_api_key(self, studio) -> dict:
        return ApiKeySummarySerializer(self.context["api_key"]).data


class StudioContactSerializer(serializers.ModelSerializer):
    name = fields.CharField(max_length=200)
    email = fields.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=ContactRole.choices)

    class Meta:
        model = StudioContact
        fields = ["id", "name", "email", "role", "created_at"]
        read_only_fields = ["id", "created_at"]
