"""Admin pieces every domain's admin shares: read-only records, and pages that stay as fast with
a million rows as with ten (issue 24: no whole-table count, no unbounded inline)."""

from __future__ import annotations

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html


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


class SearchResultsChangeList(ChangeList):
    """Search results are not drilled into by date (date_hierarchy): its links cost two more
    passes over every match (the first and last date, then each distinct day), each as dear as
    the page itself (0.4 s for a name that matches 31,000 usage lines). The list's date filter
    still narrows a search."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.query:
            self.date_hierarchy = None


class IndexedSearchMixin:
    """A search that reads the table by its indexes: each of `search_arms(term)` is a queryset of
    the model's ids found by one index (an id exactly, the rows of the performers a name
    matches), and the list is the rows in their union. Django's own search ORs a LIKE on every
    field, across joins, which reads the whole table: a second on 100,000 grants, three on a
    million usage lines."""

    def search_arms(self, term: str) -> list:
        raise NotImplementedError

    def get_changelist(self, request, **kwargs):
        return SearchResultsChangeList

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # ORDER BY is not allowed inside the parts of a UNION: each arm is unordered.
        first, *rest = (arm.order_by().values("pk") for arm in self.search_arms(term))
        return queryset.filter(pk__in=first.union(*rest) if rest else first), False


class FirstRowsFormSet(BaseInlineFormSet):
    """A read-only inline that shows its first `rows` rows only: a strike can suspend 100,000
    grants and a usage report carry 10,000 lines. The page links to the whole list beside it."""

    rows = 100

    def get_queryset(self):
        # Sliced once and read once: the formset asks for its queryset again for every form and
        # indexes it, and a fresh unevaluated slice each time is a query per row (a strike's page
        # took 34.5 s for 33,358 suspensions that way).
        if not hasattr(self, "_first_rows"):
            first = super().get_queryset()[: self.rows]
            list(first)  # fills the slice's result cache
            self._first_rows = first
        return self._first_rows


def filtered_list_link(model, field: str, obj, text: str, *, count: int | None = None):
    """A link to `model`'s change list filtered to the rows whose `field` is `obj`, read a page at
    a time there (a record's own page shows its first rows at most), after how many there are
    when `count` is given."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + f"?{field}__id__exact={obj.pk}"
    if count is None:
        return format_html('<a href="{}">{}</a>', url, text)
    return format_html('{} (<a href="{}">{}</a>)', count, url, text)
