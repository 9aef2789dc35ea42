"""Top-level routes."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from registry.console.forms import StaffSignInForm
from registry.portal.views import verify as portal_verify
from registry.site import health, views
from registry.tlog import views as log_views
from registry.tokens import views as token_views

urlpatterns = [
    # First: the API takes most of the traffic, and Django tries routes in order.
    path("api/v1/", include("registry.api.urls")),
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("problems/<slug:slug>", views.problem_type, name="problem-type"),
    path("integration-guide", views.integration_guide, name="integration-guide"),
    path("integration-guide/studio_client.py", views.integration_example, name="integration-example"),
    # The guide for every reader (docs/, built by Sphinx), served as static files when built.
    path("docs/", views.guide, name="guide"),
    re_path(r"^docs/(?P<path>.+)$", views.guide, name="guide-page"),
    path(".well-known/jwks.json", token_views.jwks, name="jwks"),
    path("statuslists/<str:list_id>", token_views.status_list, name="status-list"),
    # The transparency log (C2SP tlog-tiles), public like the JWKS and the status lists.
    path(".well-known/transparency-log.json", log_views.description, name="transparency-log"),
    path("log/checkpoint", log_views.checkpoint, name="log-checkpoint"),
    re_path(r"^log/tile/(?P<path>.+)$", log_views.tile, name="log-tile"),
    # The staff console's pages live under the admin, ahead of its catch-all routes.
    path("admin/console/", include("registry.console.urls")),
    path("admin/", admin.site.urls),
    path("portal/", include("registry.portal.urls")),
    # Public: what a consent token's QR code opens; anyone may verify a token here.
    path("verify/", portal_verify.verify_token, name="verify"),
    path("verify/media", portal_verify.verify_media, name="verify-media"),
    path("verify/<str:token_id>", portal_verify.verify_grant, name="verify-grant"),
    # Public: a presentation a performer shared; whoever has the link sees what it discloses.
    path("proofs/<str:presentation_id>", portal_verify.verify_presentation_link, name="proof"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc writes its styles into the page as it renders and searches in a worker made from a
    # blob: this page alone allows inline styles and blob workers.
    path(
        "api/redoc/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
]

handler400 = "registry.site.views.handler400"
handler403 = "registry.site.views.handler403"
handler404 = "registry.site.views.handler404"
handler500 = "registry.site.views.handler500"

admin.site.site_header = "Performer Consent Registry: union staff"
admin.site.site_title = "Consent Registry admin"
# The app list beside every page took 300 of a 1280 px window from the lists of strikes, cases and
# audit events; the admin's home page lists the same apps.
admin.site.enable_nav_sidebar = False
# The password step of staff sign-in, throttled like the portal's (the second step is TOTP).
admin.site.login_form = StaffSignInForm
