"""Celery tasks for the staff console: thin, by id, named explicitly."""

from __future__ import annotations

from celery import shared_task

from registry.console import services


@shared_task(name=services.WRITE_EXPORT_TASK, acks_late=True, reject_on_worker_lost=True)
def write_export(export_id: int) -> int:
    """Write one export file. A second delivery writes nothing: the first writer holds the claim."""
    return services.export_file_write(export_id=export_id).rows_written


@shared_task(name="console.sweep_exports")
def sweep_exports() -> list[int]:
    """Beat: start exports gone quiet again, delete expired files."""
    return list(services.export_files_sweep())


@shared_task(name=services.CHECK_AUDIT_CHAIN_TASK, acks_late=True, reject_on_worker_lost=True)
def check_audit_chain(check_id: int) -> int:
    """Walk the audit chain for one check. A second delivery walks nothing: the first holds it."""
    return services.chain_check_run(check_id=check_id).entries_checked


@shared_task(name="console.sweep_chain_checks")
def sweep_chain_checks() -> int:
    """Beat: start checks gone quiet again, from their last slice."""
    return services.chain_checks_sweep()
