"""The problem catalogue is one enum that declares every type a domain error names: each error's
slug is a member (not a free string), and no app adds to the catalogue at start-up."""

from __future__ import annotations

import importlib
import pkgutil

import registry
from registry.core.errors import DomainError
from registry.core.problems import ProblemType


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_domain_error_names_a_member_of_the_catalogue():
    for module in pkgutil.walk_packages(registry.__path__, "registry."):
        importlib.import_module(module.name)

    not_members = {
        f"{cls.__module__}.{cls.__qualname__}": cls.slug
        for cls in {DomainError, *_subclasses(DomainError)}
        if not isinstance(cls.slug, ProblemType)
    }

    assert not_members == {}
