"""Console routes, mounted under /admin/console/ (before the admin's own routes)."""

from django.urls import path

from registry.console import views

app_name = "console"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("aging/", views.aging, name="aging"),
    path("exports/", views.exports, name="exports"),
    path("exports/<slug:kind>.csv", views.export_csv, name="export"),
    path("exports/<slug:kind>/file", views.export_file_request, name="export-file-request"),
    path("exports/files/<str:public_id>/", views.export_file, name="export-file"),
    path("exports/files/<str:public_id>/download", views.export_file_download, name="export-file-download"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("exemptions/", views.exemption_claims, name="exemptions"),
    path("two-factor/", views.two_factor, name="two-factor"),
]
