"""Service mode end to end: a task enqueued on Redis is run by a real Celery worker process
against the same PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from registry.consent import tasks
from tests.consent.factories import create_request

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(redis_url, tmp_path, require_postgres):
    """A worker on a queue of its own (so stale messages from other runs are never consumed)."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=redis_url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = redis_url, False
    try:
        yield queue, mail_dir
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        print(output)  # shown by pytest when the test fails


@pytest.mark.real_worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_request_email_through_redis(worker, studio, performer, agreement, settings):
    queue, mail_dir = worker
    performer.performer.email = "maya@performers.example"
    performer.performer.save()
    consent_request = create_request(studio.studio, performer.performer, agreement)

    tasks.notify_consent_request.apply_async(args=[consent_request.pk], queue=queue)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (mail_dir.exists() and any(mail_dir.iterdir())):
        time.sleep(0.2)
    files = list(mail_dir.iterdir()) if mail_dir.exists() else []
    assert len(files) == 1, "the worker did not send the email within 30 s"
    message = files[0].read_text()
    assert "To: maya@performers.example" in message
    assert f"/portal/requests/{consent_request.public_id}" in message
