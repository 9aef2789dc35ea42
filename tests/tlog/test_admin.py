"""The log in the admin and the staff console: each audit event's page shows its leaf and proof;
witnesses are configured by union admins (each change a leaf of the log), seen by analysts."""

from __future__ import annotations

import base64
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from registry.audit.services import audit_record
from registry.core.actors import Actor
from registry.tlog import leaves, merkle, note, selectors, services
from registry.tlog.models import LeafKind, LogLeaf, Witness

pytestmark = pytest.mark.django_db

WITNESS_KEY = note.verifier_for("witness.example/w1", bytes(range(32)), note.COSIGNATURE_V1).vkey


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_audit_events_page_shows_its_leaf_and_a_proof_that_verifies(staff, settings):
    settings.TLOG_SEQUENCE_ON_DEMAND = True
    with transaction.atomic():
        event = audit_record(
            actor=Actor.system("tests"), action="consent_check.recorded", subject_type="performer", subject_id="t1"
        )

    page = signed_in(staff.user).get(reverse("admin:audit_auditevent_change", args=[event.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    leaf = selectors.leaf_for(LeafKind.AUDIT_EVENT, str(event.pk))
    assert leaves.decode(bytes(leaf.data))["content_hash"] == event.content_hash
    shown = re.search(r"Leaf <strong>(\d+)</strong> of (\d+)", text)
    assert shown and int(shown[1]) == leaf.index
    proof = [base64.b64decode(h) for h in re.findall(r"<li><code>([^<]+)</code></li>", text)]
    checkpoint, _ = note.open_checkpoint(
        selectors.latest_checkpoint().note, [selectors.verifier(services.log_key_active())]
    )
    assert checkpoint.text().replace("\n", "") in text.replace("\n", "")
    merkle.verify_inclusion(leaf.index, int(shown[2]), merkle.leaf_hash(bytes(leaf.data)), proof, checkpoint.root)


def test_a_pending_leaf_says_so(staff):
    with transaction.atomic():
        event = audit_record(
            actor=Actor.system("tests"), action="consent_check.recorded", subject_type="performer", subject_id="t1"
        )

    page = signed_in(staff.user).get(reverse("admin:audit_auditevent_change", args=[event.pk]))

    assert "Pending: the sequencer has not reached this leaf yet." in page.content.decode()


def test_a_union_admin_adds_a_witness_and_the_log_records_it(staff):
    response = signed_in(staff.user).post(
        reverse("admin:tlog_witness_add"),
        {
            "name": "witness.example/w1",
            "verifier_key": WITNESS_KEY,
            "url": "https://witness.example/w1",
            "enabled": "on",
        },
    )

    assert response.status_code == 302, response.content
    witness = Witness.objects.get()
    record = leaves.decode(bytes(LogLeaf.objects.get(kind=LeafKind.WITNESS).data))
    assert (record["name"], record["verifier_key"], record["enabled"]) == (witness.name, WITNESS_KEY, True)


@pytest.mark.parametrize(
    ("name", "vkey", "field", "message"),
    [
        ("witness.example/w1", "nonsense", "verifier_key", "Not a verifier key"),
        ("witness.example/w1", note.verifier_for("witness.example/w1", bytes(32)).vkey, "verifier_key", "type 0x04"),
        ("witness.example/w2", WITNESS_KEY, "name", "The key is named 'witness.example/w1'"),
    ],
)
def test_a_witness_with_an_unusable_key_is_a_form_error(staff, name, vkey, field, message):
    response = signed_in(staff.user).post(
        reverse("admin:tlog_witness_add"),
        {"name": name, "verifier_key": vkey, "url": "https://w.example", "enabled": "on"},
    )

    assert response.status_code == 200
    assert any(message in error for error in response.context["adminform"].form.errors[field])
    assert not Witness.objects.exists() and not LogLeaf.objects.filter(kind=LeafKind.WITNESS).exists()


def test_analysts_see_the_log_and_change_nothing(analyst, performer):
    append_and_sequence()
    client = signed_in(analyst.user)
    for name in ("checkpoint", "logleaf", "logkey", "witness"):
        assert client.get(reverse(f"admin:tlog_{name}_changelist")).status_code == 200
    refused = client.post(
        reverse("admin:tlog_witness_add"),
        {"name": "witness.example/w1", "verifier_key": WITNESS_KEY, "url": "https://w.example", "enabled": "on"},
    )
    assert refused.status_code == 403 and not Witness.objects.exists()
    # Not staff: to the sign-in page.
    for outsider in (signed_in(performer.user), Client()):
        assert outsider.get(reverse("admin:tlog_checkpoint_changelist")).status_code == 302


def append_and_sequence() -> None:
    with transaction.atomic():
        audit_record(
            actor=Actor.system("tests"), action="consent_check.recorded", subject_type="performer", subject_id="t1"
        )
    services.log_sequence()
