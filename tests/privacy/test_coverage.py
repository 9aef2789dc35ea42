"""Every model that refers to a performer is decided on: a domain's privacy module pseudonymises
it, or registry/privacy/domains.py KEPT_AS_IS says why erasure leaves it as it is. A new model
that refers to a performer fails here until someone decides."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.test.utils import isolate_apps
from django.utils import timezone

import registry
from registry.parties.models import Performer
from registry.privacy import domains, selectors
from registry.usage.models import UsageLine
from tests.conftest import SYSTEM

# Columns that name a performer without a relation (the audit log's copy of the public id, a
# request to join made with a member number).
NAMING_COLUMNS = {"performer_id", "member_number"}


def _forward_relations(model: type[models.Model]) -> list[models.Field]:
    return [f for f in [*model._meta.fields, *model._meta.many_to_many] if f.is_relation]


def _names_any_row(model: type[models.Model]) -> bool:
    """A content type plus an object id (Django admin's change log) can point at a performer."""
    names = {f.name for f in model._meta.fields}
    points_at_type = any(f.related_model is ContentType for f in _forward_relations(model))
    return points_at_type and "object_id" in names


def referring_to_performer(candidates: Iterable[type[models.Model]]) -> set[type[models.Model]]:
    """Models with a relation path of any length to Performer (FK, one-to-one, many-to-many),
    the model of their login, models that can point at any row, and models that name a
    performer in a column without a relation."""
    candidates = [m for m in candidates if not m._meta.proxy]
    found = {Performer}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model not in found and any(f.related_model in found for f in _forward_relations(model)):
                found.add(model)
                grew = True
    # A row the performer's own row points to one-to-one is theirs (their login); many-to-one
    # targets are shared (their jurisdiction).
    found.update(f.related_model for f in _forward_relations(Performer) if f.one_to_one)
    for model in candidates:
        columns = {f.name for f in model._meta.fields if not f.is_relation}
        if _names_any_row(model) or columns & NAMING_COLUMNS:
            found.add(model)
    return found


def pseudonymised() -> set[type[models.Model]]:
    covered = set(domains.PSEUDONYMISED)
    for module in domains.performer_data_modules():
        covered.update(module.PSEUDONYMISED)
    return covered


def kept_as_is() -> set[type[models.Model]]:
    return {apps.get_model(label) for label in domains.KEPT_AS_IS}


def undecided(candidates: Iterable[type[models.Model]]) -> set[str]:
    return {m._meta.label for m in referring_to_performer(candidates) - pseudonymised() - kept_as_is()}


def test_every_model_that_refers_to_a_performer_is_pseudonymised_or_kept_on_purpose():
    assert undecided(apps.get_models()) == set(), (
        "Add the model to its domain's privacy.py PSEUDONYMISED (and rewrite it in "
        "pseudonymise_performer), or to KEPT_AS_IS in registry/privacy/domains.py with the reason."
    )


# Throwaway models (no __str__ needed) in a registry of their own.
@isolate_apps("registry.privacy")
def test_a_new_model_referring_to_a_performer_is_reported_until_decided():
    class Nickname(models.Model):  # noqa: DJ008
        performer = models.ForeignKey(Performer, on_delete=models.CASCADE)
        nickname = models.CharField(max_length=50)

        class Meta:
            app_label = "privacy"

    # Reaches the performer through a usage line.
    class LineNote(models.Model):  # noqa: DJ008
        line = models.ForeignKey(UsageLine, on_delete=models.CASCADE)
        note = models.TextField()

        class Meta:
            app_label = "privacy"

    # Names one by public id, without a relation.
    class Mention(models.Model):  # noqa: DJ008
        performer_id = models.CharField(max_length=40)

        class Meta:
            app_label = "privacy"

    class Unrelated(models.Model):  # noqa: DJ008
        note = models.TextField()

        class Meta:
            app_label = "privacy"

    installed = list(apps.get_models())

    assert undecided([*installed, Nickname, LineNote, Mention, Unrelated]) == {
        "privacy.Nickname",
        "privacy.LineNote",
        "privacy.Mention",
    }


def test_models_kept_on_purpose_refer_to_a_performer_and_are_not_also_rewritten():
    related = referring_to_performer(apps.get_models())

    assert {m._meta.label for m in kept_as_is() - related} == set()  # a stale entry
    assert {m._meta.label for m in kept_as_is() & pseudonymised()} == set()  # contradicts itself


def test_every_domain_privacy_module_is_listed_and_provides_the_contract():
    present = {f"registry.{path.parent.name}.privacy" for path in Path(registry.__path__[0]).glob("*/privacy.py")}

    assert set(settings.PERFORMER_DATA_MODULES) == present
    assert len(settings.PERFORMER_DATA_MODULES) == len(present)  # each once
    for module in domains.performer_data_modules():
        assert callable(module.pseudonymise_performer), module.__name__
        assert callable(module.export_performer), module.__name__
        assert all(isinstance(m, type) and issubclass(m, models.Model) for m in module.PSEUDONYMISED), module.__name__


@pytest.mark.django_db
def test_each_domain_rewrites_only_the_models_it_declares(privacy_world):
    performer = Performer.objects.get(pk=privacy_world.maya.pk)
    erasure = selectors.erasure_of(performer, actor=SYSTEM, at=timezone.now())
    touched: set[str] = set()

    with transaction.atomic():
        for module in domains.performer_data_modules():
            changed = {model for model, n in module.pseudonymise_performer(performer, erasure).items() if n}
            assert changed <= set(module.PSEUDONYMISED), module.__name__
            touched.update(m._meta.label for m in changed)
        transaction.set_rollback(True)

    # Maya's history has rows to rewrite in these (the erasure tests check the values).
    assert touched >= {
        "parties.Performer",
        "parties.Representative",
        "auth.User",
        "admin.LogEntry",
        "consent.Signature",
        "billing.InvoiceLine",
        "billing.LedgerAccount",
        "cases.Case",
        "portal.PortalInvitation",
        "portal.JoinRequest",
        "api.IdempotencyRecord",
    }
