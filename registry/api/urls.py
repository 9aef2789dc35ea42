"""`/api/v1/` routes."""

from django.urls import path, re_path

from registry.api.v1 import studio
from registry.api.views import api_not_found

app_name = "api"

urlpatterns = [
    path("me", studio.MeView.as_view(), name="me"),
    path("me/contacts/", studio.StudioContactListCreateView.as_view(), name="studio-contacts"),
    # Last: anything else under /api/v1/ is a problem-details 404, also with DEBUG on.
    re_path(r"^.*$", api_not_found, name="not-found"),
]
