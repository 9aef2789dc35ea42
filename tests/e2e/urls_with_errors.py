"""The project's routes plus two that fail, for the browser tests of the 500 page."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def fails(request):
    raise RuntimeError("a deliberate failure for the error page test")


urlpatterns = [path("portal/fails", fails), path("fails", fails), *urlpatterns]
