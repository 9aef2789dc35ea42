"""Workers keep their database connections between tasks, as web processes do between requests.

Why: Celery's Django fixup closes every database connection after each task unless
CELERY_DB_REUSE_MAX is set. A task then pays for a new PostgreSQL backend (a fork, and the
backend's catalog caches filled again for every table and index the task touches) before its
first query. A billing run of 500 studios opened over a thousand such backends; on a 2-core
machine they were a quarter of the run's CPU (docs/operators/benchmarks.md, 2026-12-07).

How: CELERY_DB_REUSE_MAX (settings) makes the fixup close connections only every that many
tasks, and before and after each task Django's own `close_old_connections` runs, as around a
web request: it closes a connection older than CONN_MAX_AGE, left outside autocommit or in a
failed transaction, or that the health check finds closed by the server (a restart, a
terminated backend), so the next query opens a fresh one.

This module is imported by config.celery before Django is set up: no model import here.
"""

from __future__ import annotations

from celery import signals


def _close_old_connections(task=None, **_kwargs) -> None:
    # An eager task runs inside its caller's transaction (the embedded mode, tests): its
    # connection is the caller's, and closing it there would break the caller's transaction.
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


def install() -> None:
    signals.task_prerun.connect(_close_old_connections, weak=False)
    signals.task_postrun.connect(_close_old_connections, weak=False)
