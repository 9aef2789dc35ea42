"""A grant's token follows it as an explicit effect of the consent services, at the change's own
time: nothing depends on app loading or registered hooks (issue 17, item 1)."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.consent import services
from registry.tokens.models import ConsentToken, TokenStatus
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import create_request

pytestmark = pytest.mark.django_db

SIGNED_AT = dt.datetime(2026, 11, 2, 14, 30, tzinfo=dt.UTC)


def test_the_token_is_issued_at_the_moment_of_signing(studio, performer, agreement):
    request = create_request(studio.studio, performer.performer, agreement)
    signer = services.signer_for(
        user=performer.user,
        performer=performer.performer,
        is_union_admin=False,
        name="Maya Okafor",
        on=SIGNED_AT.date(),
    )

    grant = services.consent_request_accept(
        request=request,
        signer=signer,
        description_sha256=request.current_description.sha256,
        attestation_text="I consent.",
        actor=SYSTEM,
        now=SIGNED_AT,
    )

    token = ConsentToken.objects.get(grant=grant)
    assert token.issued_at == grant.activated_at == SIGNED_AT
    assert token.status == TokenStatus.VALID


def test_the_token_follows_each_status_change_in_the_same_transaction(studio, performer, agreement):
    grant = services.consent_request_accept(
        request=(request := create_request(studio.studio, performer.performer, agreement)),
        signer=services.signer_for(
            user=performer.user, performer=performer.performer, is_union_admin=False, name="Maya", on=SIGNED_AT.date()
        ),
        description_sha256=request.current_description.sha256,
        attestation_text="I consent.",
        actor=SYSTEM,
        now=SIGNED_AT,
    )

    services.grant_suspend(grant=grant, reason="A pause", acting_user=login_of(grant.performer))
    assert ConsentToken.objects.get(grant=grant).status == TokenStatus.SUSPENDED
    services.grant_resume(grant=grant, acting_user=login_of(grant.performer))
    assert ConsentToken.objects.get(grant=grant).status == TokenStatus.VALID
    services.grant_revoke(grant=grant, reason="No more", acting_user=login_of(grant.performer))
    assert ConsentToken.objects.get(grant=grant).status == TokenStatus.INVALID


def test_no_app_registers_hooks_on_the_consent_services():
    assert not hasattr(services, "register_grant_change_hook")
