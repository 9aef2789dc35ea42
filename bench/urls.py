"""The project's routes plus one bare DRF endpoint, the floor a real endpoint is compared with."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


class BareView(APIView):
    """No authentication, no permission check, no database: DRF and the middleware stack only."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare", BareView.as_view(), name="bench-bare"),
    *project_urlpatterns,
]
