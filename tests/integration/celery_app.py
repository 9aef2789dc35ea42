"""The project's Celery app (config.celery) for integration-test workers: `celery -A tests.integration.celery_app`.

Only broker plumbing changes, read from the environment, so each test owns its slice of Redis:

- IT_CELERY_QUEUE: the default queue, so tasks a worker enqueues itself (start_run fanning out
  bill_studio) stay on the test's queue instead of the shared "celery" queue; and a prefix for the
  Redis transport's unacked-message keys, so a worker here never restores (redelivers) messages of
  other workers on the same Redis database, nor they ours.
- IT_VISIBILITY_TIMEOUT / IT_RESTORE_INTERVAL (seconds, optional): a short visibility timeout and
  restore sweep, to see within a test what production does after settings.py's 3600 s.

Remote control is off, so test workers leave no pidbox bindings behind in the shared Redis.

Tasks, settings and code are otherwise the project's own. No model is imported here: Celery
imports this module before Django is set up.
"""

from __future__ import annotations

import os

from config.celery import app

__all__ = ["app"]

_queue = os.environ.get("IT_CELERY_QUEUE", "")
if _queue:
    app.conf.task_default_queue = _queue
    app.conf.worker_enable_remote_control = False
    _options = dict(app.conf.broker_transport_options or {})
    _options.update(
        unacked_key=f"{_queue}:unacked",
        unacked_index_key=f"{_queue}:unacked_index",
        unacked_mutex_key=f"{_queue}:unacked_mutex",
    )
    if os.environ.get("IT_VISIBILITY_TIMEOUT"):
        _options["visibility_timeout"] = float(os.environ["IT_VISIBILITY_TIMEOUT"])
    if os.environ.get("IT_RESTORE_INTERVAL"):
        _options["unacked_restore_interval"] = float(os.environ["IT_RESTORE_INTERVAL"])
        _options["unacked_restore_throttle"] = 1
    app.conf.broker_transport_options = _options
