"""Deployment checks of the staff console: where export files are written."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def export_dir_writable(app_configs, **kwargs) -> list[Warning]:
    """Large exports are files in EXPORT_DIR, written by the workers and read by the web
    processes; a read-only root filesystem leaves only /tmp and mounted volumes writable."""
    directory = Path(settings.EXPORT_DIR)
    existing = next((p for p in (directory, *directory.parents) if p.exists()), None)
    if existing is not None and existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        return []
    return [
        Warning(
            f"The export directory {directory} cannot be written: large exports would fail.",
            hint="Set REGISTRY_EXPORT_DIR to a writable volume mounted in the web and the worker containers "
            "(docker-compose.yml mounts one at /var/lib/registry/exports).",
            id="console.W001",
        )
    ]
