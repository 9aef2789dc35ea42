"""The billing fixtures (the shipped TV/Theatrical agreement, a studio signed to it, the billed
August 2025 example), for the tests of what usage lines share with invoice lines."""

from tests.billing.conftest import august_invoice, billed_studio, tvth  # noqa: F401 (fixtures)
