"""The integration guide's example client runs green against a live server.

The script is run as a studio would run it (a separate process, over HTTP, receiving webhooks on
its own port); this test plays the other parties: the performer accepts the request, and the
monthly billing run issues the invoice once usage is reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from registry.billing import services as billing_services
from registry.consent.models import ConsentRequest
from registry.terms.models import Agreement
from registry.usage.models import UsageReport
from registry.webhooks.models import DeliveryAttempt
from tests.billing.conftest import ensure_reference_terms
from tests.conftest import SYSTEM
from tests.consent.factories import accept

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "docs" / "examples" / "studio_client.py"


def _wait_for(query, process, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = query()
        if found is not None:
            return found
        if process.poll() is not None:
            pytest.fail(f"the client stopped early:\n{process.communicate()[0]}")
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"timed out waiting:\n{process.communicate()[0]}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_example_client_completes_the_whole_flow(live_server, studio, performer, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the client's receiver is on this machine
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.REGISTRY_BASE_URL = live_server.url  # tokens point verifiers at this server's status lists
    ensure_reference_terms()
    studio.studio.agreements.add(Agreement.objects.get(code="tvth-2026"))
    env = dict(os.environ, STUDIO_API_KEY=studio.secret)
    process = subprocess.Popen(
        [sys.executable, str(CLIENT), "--base-url", live_server.url, "--performer", "SAG-1", "--timeout", "90"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The performer answers in the portal.
        request = _wait_for(lambda: ConsentRequest.objects.filter(studio=studio.studio).first(), process)
        accept(request, user=performer.user)
        # Month end: the billing run invoices the usage the client reports.
        _wait_for(lambda: UsageReport.objects.filter(studio=studio.studio).first(), process)
        billing_services.billing_run_start(period=timezone.localdate().replace(day=1), actor=SYSTEM)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "learned by webhook" in output, output  # the answer came as a signed webhook
    assert "verified offline" in output
    assert "allowed=True" in output
    assert "(1 accepted, 0 violations)" in output
    # max(1,100 signed; 1,283 day scale) × 3 days = 3,849.00, plus TV/Theatrical P&H at 21% on
    # it (808.29): 4,657.29.
    assert "invoice INV-" in output and "4657.29 USD (finalized)" in output
    assert output.rstrip().endswith("integration complete")
    # The registry logged the deliveries the client acknowledged.
    assert DeliveryAttempt.objects.filter(status_code=204).count() >= 2
