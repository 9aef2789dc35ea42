from django.contrib import admin

from registry.parties.callers import caller_for_user
from registry.terms.models import Agreement, PhRate, PricingRule, RateCard
from registry.terms.services import (
    PRICING_RULE_FIELDS,
    agreement_successor_set,
    ph_rate_add,
    ph_rate_close,
    pricing_rule_set,
    rate_card_add,
    rate_card_close,
)


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
            {"fields": ["code", "name", "sector", "effective_from", "effective_to", "currency", "successor"]},
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
                    "strike_requests_held",
                    "alteration_exemptions",
                    "replica_from_footage_allowed",
                    "synthetic_notice_justification_required",
                    "synthetic_bargaining_days",
                    "synthetic_use_waits_for_bargaining",
                ]
            },
        ),
        (
            "Compensation terms",
            {
                "fields": [
                    "synthetic_fund_split",
                    "icdr_floor_day_scale",
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

    def save_model(self, request, obj, form, change):
        """The successor is named through its audited service; the other fields as before."""
        if change and "successor" in form.changed_data:
            successor = obj.successor
            obj.successor = Agreement.objects.get(pk=obj.pk).successor
            obj.save()
            agreement_successor_set(agreement=obj, successor=successor, actor=caller_for_user(request.user).actor())
            obj.refresh_from_db()
            return
        obj.save()


class RateCardInline(admin.TabularInline):
    model = RateCard
    extra = 0
    fields = [
        "role_category",
        "unit",
        "amount",
        "currency",
        "effective_from",
        "effective_to",
        "source_confidence",
        "source_note",
        "carried_forward",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # added through the rate card page, which checks overlaps under a lock


class PhRateInline(admin.TabularInline):
    model = PhRate
    extra = 0
    fields = ["rate", "effective_from", "effective_to", "source_confidence", "source_note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "P&H rates (add them on the P&H rate page, which refuses overlaps)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PricingRuleInline(admin.TabularInline):
    model = PricingRule
    extra = 0
    fields = [
        "usage_kind",
        "role_category",
        "scale_role",
        "scale_unit",
        "scale_divisor",
        "multiplier",
        "ph_applies",
        "source_confidence",
        "source_note",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Pricing rules (edited on the pricing rule page, audited)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


AgreementAdmin.inlines = [RateCardInline, PhRateInline, PricingRuleInline]


@admin.register(PricingRule)
class PricingRuleAdmin(admin.ModelAdmin):
    """How each kind of use is priced under an agreement. Saved through pricing_rule_set
    (audited); a change prices lines not billed yet and never a finalized invoice."""

    list_display = [
        "agreement",
        "usage_kind",
        "role_category",
        "scale_role",
        "scale_unit",
        "scale_divisor",
        "multiplier",
        "ph_applies",
        "source_confidence",
    ]
    list_filter = ["agreement", "usage_kind", "source_confidence"]
    search_fields = ["agreement__code", "source_note"]

    def get_readonly_fields(self, request, obj=None):
        return ["agreement", "usage_kind", "role_category"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        saved = pricing_rule_set(
            agreement=obj.agreement,
            usage_kind=obj.usage_kind,
            role_category=obj.role_category,
            values={name: getattr(obj, name) for name in PRICING_RULE_FIELDS},
            actor=caller_for_user(request.user).actor(),
        )
        obj.pk = saved.pk


@admin.register(PhRate)
class PhRateAdmin(admin.ModelAdmin):
    """P&H rates are effective-dated: new periods are added; an existing one may only have its
    end date set."""

    list_display = ["agreement", "rate", "effective_from", "effective_to", "source_confidence", "source_note"]
    list_filter = ["agreement", "source_confidence"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["agreement", "rate", "effective_from", "source_confidence", "source_note"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        actor = caller_for_user(request.user).actor()
        if change:
            ph_rate_close(row=obj, effective_to=obj.effective_to, actor=actor)
        else:
            saved = ph_rate_add(
                agreement=obj.agreement,
                rate=obj.rate,
                effective_from=obj.effective_from,
                effective_to=obj.effective_to,
                source_confidence=obj.source_confidence,
                source_note=obj.source_note,
                actor=actor,
            )
            obj.pk = saved.pk


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
        "carried_forward",
    ]
    list_filter = ["agreement", "role_category", "unit", "source_confidence", "carried_forward"]
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
