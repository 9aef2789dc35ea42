"""Admin pieces every domain's admin shares: read-only records, and pages that stay as fast with
a million rows as with ten (issue 24: no whole-table count, no unbounded inline)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property


class ReadOnlyAdminMixin:
    """Signed records change only through services: staff may look, never edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows (a COUNT over a LIMIT), so a list of a million rows costs what a
    list of `cap` does, and offers the pages within them: a page 10,000 deep reads 1,000,000 rows
    to skip them. Older rows are reached by a filter, the date links or a search, which narrow the
    list. The change list says "more than" when the cap was reached (admin/pagination.html)."""

    cap = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


class LargeTableAdminMixin:
    """A change list over a table that grows without bound (grants, usage and invoice lines,
    postings, checks): no count of the whole table beside the filtered one, a capped count, and
    no "show all" (list_max_show_all is the page size)."""

    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100
    list_max_show_all = 100


class FirstRowsFormSet(BaseInlineFormSet):
    """A read-only inline that shows its first `rows` rows only: a strike can suspend 100,000
    grants and a usage report carry 10,000 lines. The page links to the whole list beside it."""

    rows = 100

    def get_queryset(self):
        return super().get_queryset()[: self.rows]
