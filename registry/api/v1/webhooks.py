"""Webhook endpoints of the calling studio, their delivery log, and redelivery.

Studios (scope `webhooks`) manage their own endpoints; staff read every studio's (support);
the performer side has no access. Views parse, call one service or selector, and render.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from registry.api.permissions import CallerAccess, get_caller
from registry.api.schema import PROBLEM_RESPONSES
from registry.api.serializers.webhooks import (
    WebhookDeliverySerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
    WebhookEndpointWithSecretSerializer,
)
from registry.core.errors import FieldProblem, InvalidInputError
from registry.core.replica import replica_reads
from registry.core.vocabulary.parties import ApiScope
from registry.core.vocabulary.webhooks import DeliveryStatus, EndpointStatus, EventType
from registry.webhooks import selectors, services

TAGS = ["webhooks"]
READ = {"studio", "staff"}
WRITE = {"studio"}
SCOPES = dict.fromkeys(("GET", "POST", "PATCH", "DELETE"), ApiScope.WEBHOOKS)

ENDPOINT_EXAMPLE = {
    "url": "https://hooks.northlight.example/registry",
    "event_types": [
        EventType.CONSENT_REQUEST_ANSWERED,
        EventType.GRANT_REVOKED,
        EventType.GRANT_SUSPENDED,
        EventType.INVOICE_FINALIZED,
    ],
    "description": "Production tracker",
}


def _endpoint(request, endpoint_id: str):
    return get_object_or_404(selectors.endpoints_visible_to(get_caller(request)), public_id=endpoint_id)


def _with_secret(endpoint, secret: str) -> dict:
    endpoint.secret = secret
    return WebhookEndpointWithSecretSerializer(endpoint).data


class WebhookEndpointListCreateView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": READ, "POST": WRITE}
    studio_scopes = SCOPES
    serializer_class = WebhookEndpointSerializer

    def get_queryset(self):
        qs = selectors.endpoints_visible_to(get_caller(self.request))
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in EndpointStatus.values:
                raise InvalidInputError(
                    "status: use enabled or disabled.",
                    problems=[FieldProblem("status", "invalid_choice", "Use enabled or disabled.")],
                )
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(
        summary="List webhook endpoints",
        description="A studio sees its own endpoints; staff see every studio's. Secrets are never listed.",
        parameters=[OpenApiParameter("status", str, enum=EndpointStatus.values, required=False)],
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a webhook endpoint",
        description=(
            "Events the endpoint subscribes to are POSTed to `url` as JSON, signed per Standard Webhooks "
            "(`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`) with the "
            "`secret` in this response, which is shown only once. Private, loopback and link-local "
            "addresses are refused (422 `rule-violation`). Failed deliveries are retried with backoff for three days."
        ),
        request=WebhookEndpointCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: WebhookEndpointWithSecretSerializer, **PROBLEM_RESPONSES},
        examples=[
            OpenApiExample("Endpoint for consent and billing events", value=ENDPOINT_EXAMPLE, request_only=True)
        ],
        tags=TAGS,
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        body = WebhookEndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        caller = get_caller(request)
        endpoint, secret = services.endpoint_create(studio=caller.studio, actor=caller.actor(), **body.validated_data)
        return Response(_with_secret(endpoint, secret), status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(APIView):
    permission_classes = [CallerAccess]
    access = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}
    studio_scopes = SCOPES

    @extend_schema(
        summary="A webhook endpoint",
        responses={200: WebhookEndpointSerializer, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    def get(self, request, endpoint_id: str):
        return Response(WebhookEndpointSerializer(_endpoint(request, endpoint_id)).data)

    @extend_schema(
        summary="Change a webhook endpoint",
        description="Change its URL, events or description; `enabled: true` re-enables a disabled endpoint.",
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    def patch(self, request, endpoint_id: str):
        endpoint = _endpoint(request, endpoint_id)
        body = WebhookEndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            endpoint=endpoint, actor=get_caller(request).actor(), **body.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Delete a webhook endpoint",
        description="Deletes the endpoint and its delivery log; nothing more is sent to it.",
        responses={204: OpenApiResponse(description="Deleted"), **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    def delete(self, request, endpoint_id: str):
        services.endpoint_delete(endpoint=_endpoint(request, endpoint_id), actor=get_caller(request).actor())
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRotateSecretView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": WRITE}
    studio_scopes = SCOPES

    @extend_schema(
        summary="Rotate an endpoint's signing secret",
        description="A new secret signs every attempt from now on; it is shown only in this response.",
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    def post(self, request, endpoint_id: str):
        endpoint = _endpoint(request, endpoint_id)
        endpoint, secret = services.endpoint_rotate_secret(endpoint=endpoint, actor=get_caller(request).actor())
        return Response(_with_secret(endpoint, secret))


class WebhookDeliveryListView(generics.ListAPIView):
    permission_classes = [CallerAccess]
    access = {"GET": READ}
    studio_scopes = SCOPES
    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        qs = selectors.deliveries_of(_endpoint(self.request, self.kwargs["endpoint_id"]))
        params = self.request.query_params
        for name, field, choices in (
            ("status", "status", DeliveryStatus.values),
            ("event_type", "message__event_type", EventType.values),
        ):
            value = params.get(name)
            if value is not None:
                if value not in choices:
                    raise InvalidInputError(
                        f"{name}: {value!r} is not one of {', '.join(choices)}.",
                        problems=[FieldProblem(name, "invalid_choice", f"Use one of {', '.join(choices)}.")],
                    )
                qs = qs.filter(**{field: value})
        return qs

    @extend_schema(
        summary="An endpoint's delivery log",
        description="Each event sent to the endpoint with every attempt: time, status code, latency and error.",
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values, required=False),
            OpenApiParameter("event_type", str, enum=EventType.values, required=False),
        ],
        tags=TAGS,
    )
    @replica_reads
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookRedeliverView(APIView):
    permission_classes = [CallerAccess]
    access = {"POST": WRITE}
    studio_scopes = SCOPES

    @extend_schema(
        summary="Redeliver an event",
        description=(
            "Sends the delivery again now, signed afresh, with the same `webhook-id`. The attempt is "
            "added to the log; 409 when the endpoint is disabled."
        ),
        request=None,
        responses={202: WebhookDeliverySerializer, **PROBLEM_RESPONSES},
        tags=TAGS,
    )
    def post(self, request, endpoint_id: str, delivery_id: str):
        endpoint = _endpoint(request, endpoint_id)
        delivery = get_object_or_404(selectors.deliveries_of(endpoint), public_id=delivery_id)
        services.delivery_redeliver(delivery=delivery, actor=get_caller(request).actor())
        return Response(
            WebhookDeliverySerializer(selectors.deliveries_of(endpoint).get(pk=delivery.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
