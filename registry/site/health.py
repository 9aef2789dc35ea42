"""Liveness and readiness probes for the orchestrator and the demo."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready", with its reason
        return {"ok": False, "error": f"{type(exc).__name__}: {str(exc).strip()[:200]}"}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def _check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process (no broker configured)"}
    url = settings.CELERY_BROKER_URL
    started = time.monotonic()
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        else:
            from config.celery import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {str(exc).strip()[:200]}"}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Ready to serve: the database and the broker both answer. 503 names what failed."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "checks": checks,
    }
    return JsonResponse(body, status=503 if failing else 200)
