"""Cursor pagination: stable under inserts, no page counting on large tables.

Every list is ordered newest first by id, so a cursor stays valid while rows are added. A cursor
is short readable text, so the schema can state exactly which cursors exist: `n` (the page after)
or `p` (the page before), the id the page starts from, and rarely `o` and an offset. Clients
should still only follow the `next` and `previous` links. A cursor or page size that cannot be read
is a 400 naming the parameter (DRF answers a bad cursor with 404 and ignores a bad page size),
since the request, not the resource, is at fault. The `next` and `previous` links start with
REGISTRY_BASE_URL, never with the request's Host header, like every absolute link the registry
gives out.
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import exceptions, pagination
from rest_framework.utils.urls import replace_query_param

# Ids fit in 18 digits long before they run out, and a larger number would not fit SQLite's integer.
CURSOR_PATTERN = r"^[np](?:[0-9]{1,18})?(?:o[0-9]{1,4})?$"
_CURSOR = re.compile(r"(?P<direction>[np])(?P<position>[0-9]{1,18})?(?:o(?P<offset>[0-9]{1,4}))?")
_PAGE_SIZE = re.compile(r"[0-9]{1,3}")


def _invalid(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [exceptions.ErrorDetail(message, code="invalid")]})


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

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (_PAGE_SIZE.fullmatch(raw) and 1 <= int(raw) <= self.max_page_size):
            raise _invalid(self.page_size_query_param, f"Give a whole number from 1 to {self.max_page_size}.")
        return int(raw)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        match = _CURSOR.fullmatch(encoded)
        if match is None:
            raise _invalid(self.cursor_query_param, "Invalid cursor: use the `next` or `previous` link.")
        return pagination.Cursor(
            offset=min(int(match["offset"] or 0), self.offset_cutoff),
            reverse=match["direction"] == "p",
            position=match["position"],
        )

    def encode_cursor(self, cursor):
        text = (
            ("p" if cursor.reverse else "n") + (cursor.position or "") + (f"o{cursor.offset}" if cursor.offset else "")
        )
        return replace_query_param(self.base_url, self.cursor_query_param, text)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = "Where the page starts: take it from the `next` or `previous` link."
                parameter["schema"]["pattern"] = CURSOR_PATTERN
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
