"""Rating for billing: what a usage line costs under DOMAIN.md sections 3 and 6.

The arithmetic lives in registry.terms.pricing (pure, no Django): usage prices each line when
it is reported, and usage sits below billing in the layers. This module names it for billing,
so billing code reads `rating.rate_line(...)` as before.
"""

from registry.terms.pricing import (
    RATERS,
    TO_FUNDS,
    WORK_DAYS_PER_WEEK,
    ZERO,
    Gap,
    GroupRating,
    LineFacts,
    PhPeriod,
    Rated,
    RatingError,
    Rule,
    Scale,
    ScaleRate,
    SignedCompensation,
    Terms,
    fund_split,
    ph_fund_shares,
    rate_line,
)

__all__ = [
    "RATERS",
    "TO_FUNDS",
    "WORK_DAYS_PER_WEEK",
    "ZERO",
    "Gap",
    "GroupRating",
    "LineFacts",
    "PhPeriod",
    "Rated",
    "RatingError",
    "Rule",
    "Scale",
    "ScaleRate",
    "SignedCompensation",
    "Terms",
    "fund_split",
    "ph_fund_shares",
    "rate_line",
]
