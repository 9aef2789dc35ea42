from django.contrib import admin

from registry.terms.models import Agreement


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "effective_from", "effective_to", "source_confidence"]
    list_filter = ["sector", "source_confidence"]
    search_fields = ["code", "name"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "name", "sector", "effective_from", "effective_to", "currency"]},
        ),
        ("Source", {"fields": ["source_confidence", "source_note"]}),
        (
            "Consent terms",
            {
                "fields": [
                    "performer_may_revoke",
                    "performer_may_suspend",
                    "max_licence_years_adult",
                    "max_licence_years_minor",
                    "scan_notice_hours",
                    "scan_requires_business_reason",
                    "request_expiry_days",
                    "union_consents_for_deceased",
                    "commercial_preconsent_same_advertiser",
                ]
            },
        ),
        (
            "Compensation terms",
            {
                "fields": [
                    "ph_contribution_rate",
                    "synthetic_royalty_multiplier",
                    "synthetic_fund_split",
                    "realtime_generation_multiplier",
                    "streaming_bonus_threshold",
                    "streaming_bonus_window_days",
                    "streaming_bonus_share",
                    "streaming_bonus_performer_share",
                ]
            },
        ),
    ]
