"""The calling studio: its profile and contacts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from registry.api.permissions import IsStudio, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.studio import StudioContactSerializer, StudioMeSerializer
from registry.core.vocabulary.parties import ApiScope
from registry.parties.selectors import studio_contacts
from registry.parties.services import studio_contact_add


class MeView(APIView):
    permission_classes = [IsStudio]
    required_scope = None  # any key may read who it belongs to

    @extend_schema(
        operation_id="me_retrieve",
        summary="The calling studio",
        description="The studio that owns the API key, its agreements and the key in use.",
        responses={200: StudioMeSerializer, **PROBLEM_RESPONSES},
        tags=["studio"],
    )
    def get(self, request):
        caller = get_caller(request)
        data = StudioMeSerializer(caller.studio, context={"api_key": request.auth}).data
        return Response(data)


class StudioContactListCreateView(generics.ListCreateAPIView):
    permission_classes = [IsStudio]
    required_scope = ApiScope.PROFILE
    serializer_class = StudioContactSerializer

    def get_queryset(self):
        return studio_contacts(get_caller(self.request).studio)

    @extend_schema(
        summary="List the studio's contacts",
        tags=["studio"],
        responses={200: StudioContactSerializer(many=True), **PROBLEM_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a contact",
        description="Contacts receive operational email, e.g. when a webhook endpoint is disabled.",
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: StudioContactSerializer, **PROBLEM_RESPONSES},
        tags=["studio"],
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        caller = get_caller(request)
        contact = studio_contact_add(studio=caller.studio, actor=caller.actor(), **serializer.validated_data)
        return Response(StudioContactSerializer(contact).data, status=status.HTTP_201_CREATED)
