"""The performer's page of checks by studios (DOMAIN.md 2.14): which studio checked what, when,
and the answer; never another performer's; paged from the newest."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.consent import check_log

pytestmark = pytest.mark.django_db

CHECKS = "/api/v1/consent-checks/"


def _check(studio, grant, **overrides):
    body = {
        "performer": grant.performer.public_id,
        "use": "replica_use",
        "project": {"kind": "picture", "title": "Harbour Lights", "production_number": "NLP-2027-009"},
        "on": grant.term_start.isoformat(),
        "media": ["streaming"],
        "territory": ["US"],
        **overrides,
    }
    assert studio.client.post(CHECKS, body, format="json").status_code == 200


def test_the_performer_sees_each_check_with_its_studio_use_and_answer(owner, studio, grant):
    _check(studio, grant, role="Ana Reyes")
    _check(studio, grant, territory=["FR"])
    check_log.check_log_flush()

    page = owner.get(reverse("portal:checks")).content.decode()

    assert page.count("Northlight Pictures") == 2
    assert "Using a digital replica in Harbour Lights (NLP-2027-009)" in page
    assert f'Covered by <a href="/portal/consents/{grant.public_id}">your consent</a>' in page
    assert 'Not covered <span class="muted">(outside_scope:territory)</span>' in page
    # Newest first: the refused check was made last.
    assert page.index("Not covered") < page.index("Covered by")


def test_another_performer_sees_none_of_them(stranger, studio, grant):
    _check(studio, grant)
    check_log.check_log_flush()

    page = stranger.get(reverse("portal:checks")).content.decode()

    assert "Northlight Pictures" not in page
    assert "No studio has checked yet." in page


def test_checks_page_from_the_newest(owner, studio, grant):
    for n in range(27):
        _check(studio, grant, role=f"Role {n:02d}")
    check_log.check_log_flush()

    first = owner.get(reverse("portal:checks")).content.decode()
    assert "role: Role 26" in first and "role: Role 02" in first and "role: Role 01" not in first
    older = first.split('href="?before=')[1].split('"')[0]
    second = owner.get(reverse("portal:checks"), {"before": older}).content.decode()
    assert "role: Role 01" in second and "role: Role 00" in second and "role: Role 02" not in second
    assert 'href="?before=' not in second
    assert owner.get(reverse("portal:checks"), {"before": "not-a-number"}).status_code == 200
