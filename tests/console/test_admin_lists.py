"""Every admin list, asked for with a filter it cannot read (an old bookmark, a hand-edited
address): Django shows the whole list unfiltered under ?e=1, and the page must say so."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from registry.billing.models import BillingRunStudio
from registry.parties.models import Studio
from registry.parties.roles import REGISTRY_APP_LABELS

pytestmark = pytest.mark.django_db

UNREAD = "That filter could not be read"
# The lists staff read (Groups are Django's own, left to superusers).
LISTS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in REGISTRY_APP_LABELS or m is get_user_model()),
    key=lambda model: model._meta.label,
)


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", LISTS, ids=[model._meta.label for model in LISTS])
def test_a_filter_that_cannot_be_read_is_said_to_show_the_whole_list(console_clients, model):
    client = console_clients["analyst"]

    page = client.get(changelist(model) + "?no_such_field__exact=1", follow=True)

    assert page.status_code == 200
    assert page.redirect_chain == [(changelist(model) + "?e=1", 302)]
    assert UNREAD in page.text


def test_a_value_of_the_wrong_kind_is_said_too_and_a_readable_filter_says_nothing(console_clients, studio):
    client = console_clients["analyst"]

    wrong = client.get(changelist(BillingRunStudio) + "?run__id__exact=not-a-number", follow=True)
    right = client.get(changelist(Studio) + f"?id__exact={studio.studio.pk}")

    assert UNREAD in wrong.text
    assert right.status_code == 200 and UNREAD not in right.text
    assert "Northlight Pictures" in right.text
