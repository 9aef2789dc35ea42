"""The Celery application. Settings come from Django's settings under the CELERY_ namespace."""

import os

from celery import Celery

from registry.core import worker_connections, worker_liveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
# autodiscover only imports `<app>.tasks`; each app's tasks module imports any sub-modules.
app.autodiscover_tasks()
# A worker whose consumer stalls (broker restarted under it) exits for its supervisor to restart.
worker_liveness.install(app)
# Database connections outlive a task (up to CONN_MAX_AGE), checked before and after each one.
worker_connections.install()
