"""`/api/v1/` routes."""

from django.urls import path, re_path

from registry.api.v1 import billing, consent, log, media, privacy, proofs, residuals, studio, tokens, usage, webhooks
from registry.api.views import api_not_found

app_name = "api"

urlpatterns = [
    # First: studios call it most, and Django tries routes in order.
    path("consent-checks/", consent.ConsentCheckView.as_view(), name="consent-checks"),
    path("consent-check-records/", consent.CheckRecordListView.as_view(), name="consent-check-records"),
    path("me", studio.MeView.as_view(), name="me"),
    path("me/contacts/", studio.StudioContactListCreateView.as_view(), name="studio-contacts"),
    path("consent-requests/", consent.ConsentRequestListCreateView.as_view(), name="consent-requests"),
    path(
        "consent-requests/<str:request_id>",
        consent.ConsentRequestDetailView.as_view(),
        name="consent-request",
    ),
    path(
        "consent-requests/<str:request_id>/accept",
        consent.ConsentRequestAcceptView.as_view(),
        name="consent-request-accept",
    ),
    path(
        "consent-requests/<str:request_id>/decline",
        consent.ConsentRequestDeclineView.as_view(),
        name="consent-request-decline",
    ),
    path("grants/", consent.GrantListView.as_view(), name="grants"),
    path("grants/<str:grant_id>", consent.GrantDetailView.as_view(), name="grant"),
    path("grants/<str:grant_id>/token", tokens.GrantTokenView.as_view(), name="grant-token"),
    path("tokens/verify", tokens.TokenVerifyView.as_view(), name="token-verify"),
    path("log/proofs/inclusion", log.InclusionProofView.as_view(), name="log-inclusion-proof"),
    path("log/proofs/consistency", log.ConsistencyProofView.as_view(), name="log-consistency-proof"),
    path("grants/<str:grant_id>/sd-jwt", proofs.GrantSdJwtView.as_view(), name="grant-sd-jwt"),
    path(
        "grants/<str:grant_id>/presentations",
        proofs.GrantPresentationCreateView.as_view(),
        name="grant-presentations",
    ),
    path("presentations/verify", proofs.PresentationVerifyView.as_view(), name="presentation-verify"),
    path("media/sign", media.MediaSignView.as_view(), name="media-sign"),
    path("media/verify", media.MediaVerifyView.as_view(), name="media-verify"),
    path("holder-keys/", proofs.HolderKeyListCreateView.as_view(), name="holder-keys"),
    path("holder-keys/<str:key_id>/revoke", proofs.HolderKeyRevokeView.as_view(), name="holder-key-revoke"),
    path("grants/<str:grant_id>/revoke", consent.GrantRevokeView.as_view(), name="grant-revoke"),
    path("grants/<str:grant_id>/suspend", consent.GrantSuspendView.as_view(), name="grant-suspend"),
    path("grants/<str:grant_id>/resume", consent.GrantResumeView.as_view(), name="grant-resume"),
    path(
        "performers/<str:performer_id>/preferences",
        consent.PreferencesView.as_view(),
        name="preferences",
    ),
    path("performers/<str:performer_id>/death", consent.PerformerDeathView.as_view(), name="performer-death"),
    path(
        "performers/<str:performer_id>/estate-searches",
        consent.EstateSearchListCreateView.as_view(),
        name="estate-searches",
    ),
    path("performers/<str:performer_id>/export", privacy.PerformerExportView.as_view(), name="performer-export"),
    path(
        "performers/<str:performer_id>/erasure-requests",
        privacy.ErasureRequestListCreateView.as_view(),
        name="performer-erasure-requests",
    ),
    path("strikes/", consent.StrikeListView.as_view(), name="strikes"),
    path("usage-reports/", usage.UsageReportListCreateView.as_view(), name="usage-reports"),
    path("usage-reports/<str:report_id>", usage.UsageReportDetailView.as_view(), name="usage-report"),
    path("usage-lines/", usage.UsageLineListView.as_view(), name="usage-lines"),
    path("usage-lines/<str:line_id>/retract", usage.UsageLineRetractView.as_view(), name="usage-line-retract"),
    path("synthetic-performers/", usage.SyntheticPerformerListCreateView.as_view(), name="synthetic-performers"),
    path("synthetic-notices/", usage.SyntheticNoticeListCreateView.as_view(), name="synthetic-notices"),
    path("cases/", usage.CaseListView.as_view(), name="cases"),
    path("cases/<str:case_id>", usage.CaseDetailView.as_view(), name="case"),
    path("invoices/", billing.InvoiceListView.as_view(), name="invoices"),
    path("invoices/<str:invoice_id>", billing.InvoiceDetailView.as_view(), name="invoice"),
    path("invoices/<str:invoice_id>/pdf", billing.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("performers/<str:performer_id>/statement", billing.StatementView.as_view(), name="statement"),
    path("funds/", billing.FundBalanceView.as_view(), name="funds"),
    path("titles/", residuals.TitleListCreateView.as_view(), name="titles"),
    path("titles/<str:title_id>", residuals.TitleDetailView.as_view(), name="title"),
    path(
        "titles/<str:title_id>/viewing-reports",
        residuals.TitleViewingReportCreateView.as_view(),
        name="title-viewing-reports",
    ),
    path(
        "titles/<str:title_id>/training-licences",
        residuals.TitleTrainingLicenceCreateView.as_view(),
        name="title-training-licences",
    ),
    path("viewing-reports/", residuals.ViewingReportListView.as_view(), name="viewing-reports"),
    path("viewing-reports/<str:report_id>", residuals.ViewingReportDetailView.as_view(), name="viewing-report"),
    path("bonus-distributions/", residuals.BonusDistributionListView.as_view(), name="bonus-distributions"),
    path(
        "bonus-distributions/<str:distribution_id>",
        residuals.BonusDistributionDetailView.as_view(),
        name="bonus-distribution",
    ),
    path("training-licences/", residuals.TrainingLicenceListView.as_view(), name="training-licences"),
    path("training-licences/<str:licence_id>", residuals.TrainingLicenceDetailView.as_view(), name="training-licence"),
    path("performers/<str:performer_id>/earnings", residuals.PerformerEarningsView.as_view(), name="earnings"),
    path("streaming-bonus/what-if", residuals.BonusWhatIfView.as_view(), name="streaming-bonus-what-if"),
    path("webhook-endpoints/", webhooks.WebhookEndpointListCreateView.as_view(), name="webhook-endpoints"),
    path("webhook-endpoints/<str:endpoint_id>", webhooks.WebhookEndpointDetailView.as_view(), name="webhook-endpoint"),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret",
        webhooks.WebhookEndpointRotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries",
        webhooks.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries/<str:delivery_id>/redeliver",
        webhooks.WebhookRedeliverView.as_view(),
        name="webhook-redeliver",
    ),
    # Last: anything else under /api/v1/ is a problem-details 404, also with DEBUG on.
    re_path(r"^.*$", api_not_found, name="not-found"),
]
