"""Staff views of usage: read-only records; lines change only by the studio's retraction."""

from django.contrib import admin

from registry.core.admin import ReadOnlyAdminMixin
from registry.usage.models import FeatureBorrowing, SyntheticPerformer, UsageLine, UsageReport


class UsageLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = UsageLine
    extra = 0
    fields = ["line_ref", "kind", "status", "performer", "grant", "use_date", "units", "unit", "violation_code"]
    readonly_fields = fields
    show_change_link = True
    max_num = 0


@admin.register(UsageReport)
class UsageReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "public_id",
        "report_ref",
        "studio",
        "received_at",
        "line_count",
        "accepted_count",
        "violation_count",
    ]
    list_filter = ["studio", "received_at"]
    search_fields = ["public_id", "report_ref", "studio__legal_name"]
    date_hierarchy = "received_at"


@admin.register(UsageLine)
class UsageLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["line_ref", "kind", "status", "studio", "performer", "agreement", "use_date", "units", "unit"]
    list_filter = [
        "status",
        "kind",
        "agreement",
        "studio",
        "use_date",
        ("unrateable_since", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "line_ref",
        "production_number",
        "performer__legal_name",
        "performer__member_number",
        "grant__public_id",
    ]
    date_hierarchy = "use_date"
    list_select_related = ["studio", "performer", "agreement"]


class FeatureBorrowingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FeatureBorrowing
    extra = 0
    fields = ["performer", "feature", "grant"]
    readonly_fields = fields


@admin.register(SyntheticPerformer)
class SyntheticPerformerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "name", "studio", "created_at"]
    list_filter = ["studio"]
    search_fields = ["public_id", "name", "studio__legal_name"]
    inlines = [FeatureBorrowingInline]
