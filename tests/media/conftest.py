"""Content-credential fixtures: certificate chains made here (the registry's, and another
issuer's), the settings that point at the registry's, and a grant in its term."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from registry.media.certificates import certificate_chain, pem, private_pem
from tests.consent.factories import grant_for
from tests.tokens.conftest import in_term_today


@dataclass
class Chain:
    root_pem: str
    chain_pem: str
    key: object


def make_chain(organisation: str) -> Chain:
    root, _, leaf, key = certificate_chain(organisation=organisation, now=timezone.now())
    return Chain(root_pem=pem(root), chain_pem=pem(leaf, root), key=key)


def configure_registry_chain(settings, tmp_path) -> Chain:
    """A registry chain written to files, and the settings pointing at them."""
    chain = make_chain("Test Registry")
    (tmp_path / "chain.pem").write_text(chain.chain_pem)
    (tmp_path / "key.pem").write_bytes(private_pem(chain.key))
    settings.C2PA_CERT_CHAIN_FILE = str(tmp_path / "chain.pem")
    settings.C2PA_PRIVATE_KEY_FILE = str(tmp_path / "key.pem")
    settings.C2PA_TRUST_ANCHORS_FILE = ""
    return chain


@pytest.fixture
def registry_chain(settings, tmp_path) -> Chain:
    return configure_registry_chain(settings, tmp_path)


@pytest.fixture
def other_issuer() -> Chain:
    return make_chain("Someone Else Entirely")


@pytest.fixture
def grant(studio, performer, agreement, django_capture_on_commit_callbacks):
    """A grant whose term has begun, so a file made under it today is covered."""
    with django_capture_on_commit_callbacks(execute=True):
        return grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
