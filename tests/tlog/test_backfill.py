"""What happened before the log began is logged when it begins: the migrations append a leaf per
existing audit event (exactly as audit_record would) and per existing token."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from registry.consent.services import grant_revoke
from registry.tlog import leaves
from registry.tlog.models import LeafKind, LogLeaf
from registry.tokens.models import ConsentToken
from tests.conftest import login_of
from tests.consent.factories import grant_for

pytestmark = pytest.mark.django_db

log_existing_events = import_module("registry.audit.migrations.0003_log_existing_events").log_existing_events
log_existing_tokens = import_module("registry.tokens.migrations.0003_log_existing_tokens").log_existing_tokens


def test_existing_events_and_tokens_become_leaves(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement)
    grant_revoke(grant=grant, reason="withdrawn", acting_user=login_of(performer.performer))
    appended = {
        ref: bytes(data) for ref, data in LogLeaf.objects.filter(kind=LeafKind.AUDIT_EVENT).values_list("ref", "data")
    }
    LogLeaf.objects.all().delete()  # as before the log existed

    log_existing_events(apps, None)
    log_existing_tokens(apps, None)
    log_existing_events(apps, None)  # run again: nothing twice
    log_existing_tokens(apps, None)

    backfilled = {
        ref: bytes(data) for ref, data in LogLeaf.objects.filter(kind=LeafKind.AUDIT_EVENT).values_list("ref", "data")
    }
    assert backfilled == appended
    token = ConsentToken.objects.get(grant=grant)
    (issued,) = LogLeaf.objects.filter(kind=LeafKind.TOKEN_ISSUED)
    record = leaves.decode(bytes(issued.data))
    assert (issued.ref, record["jti"], record["status"], record["time"]) == (
        str(token.pk),
        grant.public_id,
        1,  # revoked when the log began
        leaves.timestamp(token.issued_at),
    )
    assert "logged_from" in record
