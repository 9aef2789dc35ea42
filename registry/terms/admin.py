from django.contrib import admin

from registry.parties.callers import caller_for_user
from registry.terms.models import Agreement, RateCard
from registry.terms.services import rate_card_add, rate_card_close


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "sector",
        "effective_from",
        "effective_to",
        "source_confidence",
        "payment_terms_days",
        "late_interest_monthly_rate",
        "payment_terms_confidence",
    ]
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
                    "icdr_floor_day_scale",
                    "realtime_generation_multiplier",
                    "streaming_bonus_threshold",
                    "streaming_bonus_window_days",
                    "streaming_bonus_share",
                    "streaming_bonus_performer_share",
                    "streaming_bonus_later_years",
                    "training_licence_performer_share",
                    "training_licence_union_consents",
                ]
            },
        ),
        (
            "Payment terms",
            {
                "description": "Copied onto each document when it is finalized: its due date, the interest "
                "an overdue balance bears, and when the studio is reminded. The confidence and source say "
                "how sure the figures are (the shipped values are the registry's default, L).",
                "fields": [
                    "payment_terms_days",
                    "late_interest_monthly_rate",
                    "reminder_days",
                    "payment_terms_confidence",
                    "payment_terms_source",
                ],
            },
        ),
    ]


class RateCardInline(admin.TabularInline):
    model = RateCard
    extra = 0
    fields = ["role_category", "unit", "amount", "currency", "effective_from", "effective_to", "source_confidence"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # added through the rate card page, which checks overlaps under a lock


AgreementAdmin.inlines = [RateCardInline]


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    """Rates are effective-dated records: new periods are added; an existing row may only have
    its end date set (to close it when the next period starts)."""

    list_display = [
        "agreement",
        "role_category",
        "unit",
        "amount",
        "currency",
        "effective_from",
        "effective_to",
        "source_confidence",
    ]
    list_filter = ["agreement", "role_category", "unit", "source_confidence"]
    search_fields = ["agreement__code", "source_note"]
    date_hierarchy = "effective_from"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "agreement",
            "role_category",
            "unit",
            "amount",
            "currency",
            "effective_from",
            "source_confidence",
            "source_note",
        ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        actor = caller_for_user(request.user).actor()
        if change:
            rate_card_close(row=obj, effective_to=obj.effective_to, actor=actor)
        else:
            saved = rate_card_add(
                agreement=obj.agreement,
                role_category=obj.role_category,
                unit=obj.unit,
                amount=obj.amount,
                currency=obj.currency,
                effective_from=obj.effective_from,
                effective_to=obj.effective_to,
                source_confidence=obj.source_confidence,
                source_note=obj.source_note,
                actor=actor,
            )
            obj.pk = saved.pk
