"""Responses no cache may keep: personal exports, consent tokens and documents (CSV, PDF)."""

from __future__ import annotations

import functools

from django.utils.cache import add_never_cache_headers


def no_store(view):
    """`Cache-Control: no-store` (with private, no-cache, max-age=0) on every response of `view`,
    so neither a browser's cache nor a proxy keeps a copy of a performer's export, a token file or
    a statement or invoice. For function views and for the methods of Django and DRF class views
    (DRF hands methods its own Request, which Django's never_cache refuses)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        add_never_cache_headers(response)
        return response

    wrapped.no_store = True
    return wrapped
