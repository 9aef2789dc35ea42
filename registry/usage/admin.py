"""Staff views of usage: read-only records; lines change only by the studio's retraction."""

from django.contrib import admin

from registry.consent.models import ConsentGrant
from registry.core.admin import IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, filtered_list_link
from registry.parties import selectors as party_selectors
from registry.parties.models import Studio
from registry.usage.models import FeatureBorrowing, SyntheticPerformer, UsageLine, UsageReport


class UsageLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = UsageLine
    extra = 0
    fields = ["line_ref", "kind", "status", "performer", "grant", "use_date", "units", "unit", "violation_code"]
    readonly_fields = fields
    show_change_link = True
    max_num = 0


@admin.register(UsageReport)
class UsageReportAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    search_fields = ["=public_id", "=report_ref"]
    search_help_text = "A report's id or the studio's own report id, exactly"
    date_hierarchy = "received_at"
    list_select_related = ["studio"]
    readonly_fields = ["all_lines"]

    @admin.display(description="all lines")
    def all_lines(self, report: UsageReport):
        return filtered_list_link(UsageLine, "report", report, "every line, a page at a time", count=report.line_count)


@admin.register(UsageLine)
class UsageLineAdmin(IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["line_ref", "kind", "status", "studio", "performer", "agreement", "use_date", "units", "unit"]
    list_filter = [
        "status",
        "kind",
        "agreement",
        "studio",
        "use_date",
        ("unrateable_since", admin.EmptyFieldListFilter),
    ]
    # Read by IndexedSearchMixin.get_search_results (search_arms); listed so the box shows.
    search_fields = ["line_ref", "performer", "grant"]
    search_help_text = (
        "A studio's line id or a grant id exactly, a performer's id or member number, or part of a performer's name"
    )
    date_hierarchy = "use_date"
    list_select_related = ["studio", "performer", "agreement"]
    # Newest first, by the primary key: a search's page reads the key's index backwards until it
    # has a page of matches (0.15 s for a name with 31,000 lines), where the model's order
    # (report, line) sorted every match first (0.7 s).
    ordering = ["-id"]

    def search_arms(self, term: str) -> list:
        return [
            # A line id is unique per studio, indexed as (studio, line_ref): one probe a studio.
            UsageLine.objects.filter(studio__in=Studio.objects.values("pk"), line_ref=term),
            UsageLine.objects.filter(performer__in=party_selectors.performer_ids_matching(term)),
            UsageLine.objects.filter(grant__in=ConsentGrant.objects.filter(public_id=term).values("pk")),
        ]


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
