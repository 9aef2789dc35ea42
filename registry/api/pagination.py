"""Cursor pagination: stable under inserts, no page counting on large tables.

Every list is ordered newest first by id, so a cursor stays valid while rows are added. A
cursor that cannot be read is a 400 naming `cursor` (DRF answers 404), since the request,
not the resource, is at fault. The `next` and `previous` links start with REGISTRY_BASE_URL,
never with the request's Host header, like every absolute link the registry gives out.
"""

from django.conf import settings
from rest_framework import exceptions, pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        # DRF builds the links from request.build_absolute_uri(), i.e. from the Host header.
        self.base_url = settings.REGISTRY_BASE_URL + request.get_full_path()
        return page

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError(
                {
                    "cursor": [
                        exceptions.ErrorDetail("Invalid cursor: use the `next` or `previous` link.", code="invalid")
                    ]
                }
            ) from exc
