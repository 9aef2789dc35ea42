"""Staff views of residuals: titles and casts, decisions with their inputs, distributions and
licences (read only: they change through services), and the what-if of a past year's bonuses."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from registry.core import limits
from registry.core.admin import ReadOnlyAdminMixin
from registry.residuals import rules, selectors
from registry.residuals.models import (
    BonusDistribution,
    BonusShare,
    CastMember,
    LicenceShare,
    Title,
    TrainingLicence,
    ViewingReport,
)


def _all_fields(model) -> list[str]:
    return [f.name for f in model._meta.fields]


class CastMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CastMember
    extra = 0
    fields = ["performer", "role", "residual_base"]
    readonly_fields = fields


@admin.register(Title)
class TitleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "production_number", "studio", "agreement", "streaming_service", "release_date"]
    list_filter = ["agreement", "high_budget_svod", "studio"]
    search_fields = ["public_id", "name", "production_number", "studio__legal_name"]
    readonly_fields = _all_fields(Title)
    inlines = [CastMemberInline]


@admin.register(ViewingReport)
class ViewingReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each decision with the inputs it was made on: views, subscribers, threshold, window."""

    list_display = [
        "public_id",
        "title",
        "exhibition_year",
        "views",
        "required_views",
        "outcome",
        "window_start",
        "window_end",
        "reported_at",
    ]
    list_filter = ["outcome", "exhibition_year"]
    search_fields = ["public_id", "title__name", "title__production_number"]
    readonly_fields = _all_fields(ViewingReport)
    list_select_related = ["title"]


class BonusShareInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BonusShare
    extra = 0
    fields = ["performer", "residual_base", "amount"]
    readonly_fields = fields


class WhatIfForm(forms.Form):
    year = forms.IntegerField(
        min_value=limits.EARLIEST_DATE.year,
        max_value=limits.LATEST_DATE.year,
        help_text="Exhibition windows that began this year",
    )
    threshold = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_value=Decimal("1"), help_text="e.g. 0.15 for 15%"
    )
    bonus_share = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_value=Decimal("99"), help_text="e.g. 1.25 for 125%"
    )
    performer_share = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_value=Decimal("1"), help_text="e.g. 0.8 for 80% to the cast"
    )

    def overrides(self) -> dict[str, Decimal]:
        return {
            name: self.cleaned_data[name] for name in rules.WHAT_IF_TERMS if self.cleaned_data.get(name) is not None
        }


@admin.register(BonusDistribution)
class BonusDistributionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "public_id",
        "title",
        "exhibition_year",
        "bonus_total",
        "performers_total",
        "fund_amount",
        "currency",
    ]
    list_filter = ["exhibition_year", "currency"]
    search_fields = ["public_id", "title__name", "title__production_number"]
    readonly_fields = _all_fields(BonusDistribution)
    inlines = [BonusShareInline]
    change_list_template = "admin/residuals/bonusdistribution/change_list.html"

    def get_urls(self):
        return [
            path(
                "what-if/", self.admin_site.admin_view(self.what_if_view), name="residuals_bonusdistribution_what_if"
            ),
            *super().get_urls(),
        ]

    def what_if_view(self, request):
        """Recompute a past year's bonuses under other terms, for bargaining. Reads only."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = WhatIfForm(request.GET or None)
        result = None
        if form.is_valid():
            result = selectors.bonus_what_if(year=form.cleaned_data["year"], overrides=form.overrides())
        context = {
            **self.admin_site.each_context(request),
            "title": "What if: a past year's streaming bonuses under other terms",
            "form": form,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/residuals/bonusdistribution/what_if.html", context)


class LicenceShareInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LicenceShare
    extra = 0
    fields = ["performer", "residual_base", "amount", "consent_basis", "grant", "violation_case", "findings"]
    readonly_fields = fields


@admin.register(TrainingLicence)
class TrainingLicenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "title", "licensee", "fee", "currency", "term_start", "term_end", "notice_case"]
    list_filter = ["currency"]
    search_fields = ["public_id", "licensee", "title__name", "title__production_number"]
    readonly_fields = _all_fields(TrainingLicence)
    inlines = [LicenceShareInline]
