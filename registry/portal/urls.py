"""Portal routes, mounted at /portal/. Object pages have no trailing slash: the review link in
request emails is /portal/requests/<id>."""

from django.urls import path

from registry.portal.views import (
    activity,
    auth,
    cases,
    checks,
    consents,
    dashboard,
    earnings,
    preferences,
    privacy,
    requests,
)

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # Joining and signing in
    path("sign-in", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out", auth.SignOutView.as_view(), name="sign-out"),
    path("signed-out", auth.signed_out, name="signed-out"),
    path("join", auth.join, name="join"),
    path("join/sent", auth.join_sent, name="join-sent"),
    path("welcome/<str:uidb64>/<str:token>", auth.welcome, name="welcome"),
    path("password-reset", auth.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent", auth.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password-reset/<str:uidb64>/<str:token>",
        auth.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done", auth.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    # Requests
    path("requests", requests.request_list, name="requests"),
    path("requests/<str:request_id>", requests.request_review, name="request"),
    path("requests/<str:request_id>/accept", requests.request_accept, name="request-accept"),
    path("requests/<str:request_id>/decline", requests.request_decline, name="request-decline"),
    # Consents and tokens
    path("consents", consents.consent_list, name="consents"),
    path("consents/<str:grant_id>", consents.consent_detail, name="consent"),
    path("consents/<str:grant_id>/token.jwt", consents.consent_token_download, name="consent-token"),
    path("consents/<str:grant_id>/share", consents.consent_share, name="consent-share"),
    path("consents/<str:grant_id>/shared/<str:presentation_id>", consents.consent_shared, name="consent-shared"),
    path("consents/<str:grant_id>/revoke", consents.consent_action, {"action": "revoke"}, name="consent-revoke"),
    path("consents/<str:grant_id>/suspend", consents.consent_action, {"action": "suspend"}, name="consent-suspend"),
    path("consents/<str:grant_id>/resume", consents.consent_action, {"action": "resume"}, name="consent-resume"),
    # Earnings
    path("earnings", earnings.earnings, name="earnings"),
    path("earnings/statement.csv", earnings.statement_download, {"fmt": "csv"}, name="statement-csv"),
    path("earnings/statement.pdf", earnings.statement_download, {"fmt": "pdf"}, name="statement-pdf"),
    # Preferences and representatives
    path("preferences", preferences.preferences, name="preferences"),
    path("preferences/representatives", preferences.representative_add, name="representative-add"),
    path(
        "preferences/representatives/<int:representative_id>/revoke",
        preferences.representative_revoke,
        name="representative-revoke",
    ),
    path("activity", activity.activity, name="activity"),
    path("checks", checks.check_list, name="checks"),
    # Cases about the performer, and their data
    path("cases", cases.case_list, name="cases"),
    path("cases/<str:case_id>", cases.case_detail, name="case"),
    path("your-data", privacy.privacy, name="privacy"),
]
