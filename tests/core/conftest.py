"""Fixtures of tests/billing that the admin tests here use too (a billed studio under the
reference TV/Theatrical terms), imported rather than written again."""

from tests.billing.conftest import billed_studio, tvth  # noqa: F401
