"""How API callers prove who they are: studios with a Bearer API key, people with a session."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from registry.parties.models import ApiKey, Studio
from registry.parties.services import api_key_authenticate


@dataclass(frozen=True)
class StudioPrincipal:
    """`request.user` for a studio calling with an API key (studios have no Django user)."""

    studio: Studio
    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __str__(self) -> str:
        return f"studio {self.studio.public_id} via key {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        credentials = credentials.strip()
        if not credentials or " " in credentials:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <key>'.")
        api_key = api_key_authenticate(credentials)
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.")
        return StudioPrincipal(studio=api_key.studio, api_key=api_key), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class PortalSessionAuthentication(authentication.SessionAuthentication):
    """Signed-in performers, representatives and staff; CSRF is enforced as in the portal."""


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "registry.api.authentication.ApiKeyAuthentication"
    name = "studioApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A studio API key: `Authorization: Bearer crk_<prefix>_<secret>`.",
        }


class PortalSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "registry.api.authentication.PortalSessionAuthentication"
    name = "portalSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A signed-in performer, representative or staff member.",
        }
