"""The audit catalogue: what audit_record accepts, and the docs that print it."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.db import transaction

from registry.audit.catalogue import AuditAction, AuditSubject, FormerAuditAction, as_markdown
from registry.audit.models import AuditEvent
from registry.audit.services import audit_record

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "subject_type", "refusal"),
    [
        pytest.param("grant.vanished", "grant", "Not in the audit catalogue", id="unknown-action"),
        pytest.param("grant.revoked", "galaxy", "Not in the audit catalogue", id="unknown-subject"),
        pytest.param("grant.revoked", "performer", "grant.revoked is recorded on grant, not on performer", id="pair"),
        pytest.param(FormerAuditAction.GRANT_RESUMED_AFTER_STRIKE, "grant", "Not in the audit catalogue", id="former"),
    ],
)
def test_audit_record_refuses_what_the_catalogue_does_not_list(performer_actor, action, subject_type, refusal):
    with pytest.raises(ValueError, match=refusal), transaction.atomic():
        audit_record(actor=performer_actor, action=action, subject_type=subject_type, subject_id="grt_1")

    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_audit_record_stores_a_member_as_its_plain_value(performer_actor):
    with transaction.atomic():
        audit_record(
            actor=performer_actor,
            action=AuditAction.PORTAL_INVITATION_SENT,
            subject_type=AuditSubject.REPRESENTATIVE,
            subject_id="7",
        )

    stored = AuditEvent.objects.values_list("action", "subject_type").get()
    assert stored == ("portal.invitation_sent", "representative")
    assert [type(value) for value in stored] == [str, str]


def test_the_docs_print_the_catalogue():
    docs = (ROOT / "docs" / "audit-catalogue.md").read_text(encoding="utf-8")

    assert docs == as_markdown(), "run: python -m registry.audit.catalogue > docs/audit-catalogue.md"


def test_every_action_and_subject_is_recorded_somewhere_in_registry():
    """A catalogue entry nothing records would be a promise the trail never keeps."""
    wording = {ROOT / "registry" / "audit" / "catalogue.py", ROOT / "registry" / "portal" / "wording.py"}
    named: set[str] = set()
    for path in (ROOT / "registry").rglob("*.py"):
        if path in wording or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                named.add(f"{node.value.id}.{node.attr}")

    assert {f"AuditAction.{a.name}" for a in AuditAction} - named == set()
    assert {f"AuditSubject.{s.name}" for s in AuditSubject} - named == set()
