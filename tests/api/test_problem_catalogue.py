"""The problem catalogue is one module that declares every type a domain error names: no app adds
to it at start-up, so the catalogue reads the same wherever it is imported."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import registry
from registry.core.errors import DomainError


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_domain_error_names_a_type_the_catalogue_declares_itself():
    for module in pkgutil.walk_packages(registry.__path__, "registry."):
        importlib.import_module(module.name)
    # A fresh copy of the module, as its own source declares it (not as start-up left it).
    spec = importlib.util.find_spec("registry.api.problems")
    catalogue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalogue)

    missing = {
        f"{cls.__module__}.{cls.__qualname__}": cls.slug
        for cls in {DomainError, *_subclasses(DomainError)}
        if cls.slug not in catalogue.PROBLEM_TYPES
    }

    assert missing == {}
