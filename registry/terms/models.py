"""Collective agreements and their terms, held as data union staff edit, never as code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from registry.core.vocabulary.consent import AlterationExemption
from registry.core.vocabulary.reference import Confidence
from registry.core.vocabulary.terms import RateUnit, RoleCategory, Sector
from registry.core.vocabulary.usage import UsageKind

UNIT_INTERVAL = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


def default_alteration_exemptions() -> list[str]:
    """DOMAIN.md 2.7: the exempt categories of digital alteration, every one by default."""
    return list(AlterationExemption.values)


def validate_alteration_exemptions(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("A list of exemption categories.")
    unknown = sorted(set(value) - set(AlterationExemption.values))
    if unknown:
        raise ValidationError(
            f"Unknown categories: {', '.join(unknown)}. Known: {', '.join(AlterationExemption.values)}."
        )


def default_reminder_days() -> list[int]:
    """Days past the due date on which an overdue studio is reminded (0: the day after it falls due)."""
    return [1, 15, 30, 60, 90]


PAYMENT_TERMS_DEFAULT_NOTE = (
    "Registry default (DOMAIN.md 6, confidence L): 30 days net; late interest 1% a month simple, "
    "accrued daily from the day after the due date. Confirm against the agreement's text."
)


def default_synthetic_fund_split() -> dict[str, str]:
    return {"health_plan": "0.5", "pension_plan": "0.5"}


class Agreement(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="e.g. tvth-2026")
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=32, choices=Sector.choices)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty = open")
    source_confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.MEDIUM)
    source_note = models.TextField(blank=True, max_length=2000)
    currency = models.CharField(max_length=3, default="USD")
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text="The agreement that follows this one in its sector: use after this one ends is "
        "priced under the successor in force on the use date (DOMAIN.md section 6).",
    )

    # Consent terms (DOMAIN.md section 2).
    performer_may_revoke = models.BooleanField(default=True)
    performer_may_suspend = models.BooleanField(default=True)
    max_licence_years_adult = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    max_licence_years_minor = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    scan_notice_hours = models.PositiveSmallIntegerField(default=48)
    scan_requires_business_reason = models.BooleanField(default=True)
    request_expiry_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    union_consents_for_deceased = models.BooleanField(
        default=True,
        help_text="The union consents when no estate of a deceased performer is found.",
    )
    commercial_preconsent_same_advertiser = models.BooleanField(
        default=False,
        help_text="Commercials: consent may cover future spots (same advertiser, product line).",
    )
    alteration_exemptions = models.JSONField(
        default=default_alteration_exemptions,
        blank=True,
        validators=[validate_alteration_exemptions],
        help_text="Digital alterations that need no consent under this agreement (DOMAIN.md 2.7).",
    )
    replica_from_footage_allowed = models.BooleanField(
        default=False,
        help_text="A replica may be made from footage shot on the job, with no scan (TV/Theatrical 2026, rule 2.6).",
    )
    # DOMAIN.md 2.12: a synthetic performer in a role a union performer could have played.
    synthetic_notice_justification_required = models.BooleanField(
        default=False,
        help_text="A synthetic-performer notice must justify the 'significant additional value' (TV/Theatrical 2026).",
    )
    synthetic_bargaining_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="Days the union has to bargain after a synthetic-performer notice is filed.",
    )
    synthetic_use_waits_for_bargaining = models.BooleanField(
        default=False,
        help_text="Using the synthetic performer before the bargaining window ends is a violation.",
    )
    strike_requests_held = models.BooleanField(
        default=False,
        help_text=(
            "During a strike against a studio under this agreement, its new consent requests are taken "
            "and held suspended instead of refused (DOMAIN.md 2.10)."
        ),
    )

    # Compensation terms (DOMAIN.md section 3).
    # P&H rates (PhRate) and what each use is priced at (PricingRule) are rows of their own:
    # effective-dated, and one per use kind and role.
    synthetic_fund_split = models.JSONField(default=default_synthetic_fund_split)
    icdr_floor_day_scale = models.BooleanField(
        default=False,
        help_text="An independently created replica pays at least day-performer scale (TV/Theatrical 2026).",
    )
    streaming_bonus_threshold = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.20"),
        validators=UNIT_INTERVAL,
        help_text="Views (hours streamed ÷ runtime) needed, as a share of the service's domestic subscribers.",
    )
    # An exhibition year's window cannot be longer than the year itself.
    streaming_bonus_window_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days from the start of an exhibition year in which views count.",
    )
    streaming_bonus_share = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(0)],
        help_text="The bonus as a share of the cast's fixed residual (1 = 100%).",
    )
    streaming_bonus_performer_share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.75"),
        validators=UNIT_INTERVAL,
        help_text="Share of the bonus paid to the cast; the rest goes to the success bonus fund.",
    )
    streaming_bonus_later_years = models.BooleanField(
        default=True,
        help_text="A title may also qualify in the first window of a later exhibition year (DOMAIN.md 3.7).",
    )
    training_licence_performer_share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.50"),
        validators=UNIT_INTERVAL,
        help_text="Share of a fee for licensing a title to train AI that goes to its cast, pro rata to each "
        "performer's residual base. Registry default (L): no published figure.",
    )
    training_licence_union_consents = models.BooleanField(
        default=False,
        help_text="The union consents to training licences for the cast (collective consent), so a "
        "performer without an individual training grant is not a violation.",
    )

    # Payment terms (DOMAIN.md section 6): how long a studio has to pay a document, and the
    # interest an overdue balance bears. Copied onto each document when it is finalized.
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text="Days from a document's issue date to its due date (30 = 30 days net).",
    )
    late_interest_monthly_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.1"))],
        help_text="Simple interest a month on an overdue balance (0.01 = 1%), accrued daily as "
        "rate x 12 / 365 from the day after the due date.",
    )
    reminder_days = models.JSONField(
        default=default_reminder_days,
        help_text="Days past the due date on which an overdue studio is reminded, e.g. [1, 15, 30, 60, 90].",
    )
    payment_terms_confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.LOW)
    payment_terms_source = models.CharField(max_length=500, blank=True, default=PAYMENT_TERMS_DEFAULT_NOTE)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="agreement_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(max_licence_years_minor__lte=models.F("max_licence_years_adult")),
                name="agreement_minor_term_not_longer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.effective_to and self.effective_to < self.effective_from:
            errors["effective_to"] = "The period must end on or after it starts."
        minor, adult = self.max_licence_years_minor, self.max_licence_years_adult
        if minor and adult and minor > adult:
            errors["max_licence_years_minor"] = "A minor's maximum term cannot exceed an adult's."
        split_error = validate_fund_split(self.synthetic_fund_split)
        if split_error:
            errors["synthetic_fund_split"] = split_error
        if len(self.currency) != 3 or not self.currency.isupper():
            errors["currency"] = "Use an ISO 4217 code such as USD."
        if self.successor_id is not None:
            successor_error = self._successor_error()
            if successor_error:
                errors["successor"] = successor_error
        reminder_error = validate_reminder_days(self.reminder_days)
        if reminder_error:
            errors["reminder_days"] = reminder_error
        if errors:
            raise ValidationError(errors)

    def _successor_error(self) -> str | None:
        """A successor is another agreement of the same sector, starting after this one ends,
        and the chain of successors never loops back."""
        successor = self.successor
        if successor.pk == self.pk:
            return "An agreement cannot succeed itself."
        if successor.sector != self.sector:
            return f"The successor must be a {self.get_sector_display()} agreement."
        if self.effective_to is None:
            return "Only an agreement with an end date has a successor."
        if successor.effective_from <= self.effective_to:
            return f"The successor must start after {self.effective_to.isoformat()}, when this one ends."
        seen = {self.pk}
        step = successor
        while step is not None:
            if step.pk in seen:
                return "The chain of successors loops back to this agreement."
            seen.add(step.pk)
            step = step.successor
        return None


def validate_fund_split(split: object) -> str | None:
    """A fund split maps fund codes to decimal shares that add up to exactly 1."""
    if not isinstance(split, dict) or not split:
        return 'Give a mapping of fund to share, e.g. {"health_plan": "0.5", "pension_plan": "0.5"}.'
    total = Decimal("0")
    for fund, share in split.items():
        try:
            value = Decimal(str(share))
        except Exception:
            return f"The share for {fund!r} is not a decimal number."
        if value < 0:
            return f"The share for {fund!r} is negative."
        total += value
    if total != Decimal("1"):
        return f"The shares add up to {total}, not 1."
    return None


def validate_reminder_days(days: object) -> str | None:
    """A reminder schedule is a short list of distinct whole days past the due date, 1 to 365."""
    if not isinstance(days, list) or not days or len(days) > 12:
        return "Give 1 to 12 whole days past the due date, e.g. [1, 15, 30, 60, 90]."
    if any(not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 365 for d in days):
        return "Each day is a whole number from 1 to 365."
    if len(set(days)) != len(days):
        return "A day appears twice."
    return None


class RateCard(models.Model):
    """The agreement's scale for a role and unit over a period (DOMAIN.md section 4).

    Rows for the same agreement, role and unit never overlap: services.rate_card_add refuses it
    under a lock, and clean() says so in the admin."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="rate_cards")
    role_category = models.CharField(max_length=24, choices=RoleCategory.choices)
    unit = models.CharField(max_length=12, choices=RateUnit.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, default="USD")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty = until replaced")
    source_confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.MEDIUM)
    source_note = models.CharField(max_length=500, blank=True)
    carried_forward = models.BooleanField(
        default=False,
        help_text="No published figure: the last known period's rate carried on until the union enters "
        "the real one (flagged on the console dashboard).",
    )

    class Meta:
        ordering = ["agreement__code", "role_category", "unit", "effective_from"]
        indexes = [models.Index(fields=["agreement", "role_category", "unit", "effective_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "role_category", "unit", "effective_from"], name="rate_card_start_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="rate_card_period_ordered",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="rate_card_amount_positive"),
        ]

    def __str__(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "…"
        period = f"{self.effective_from}–{end}"
        return f"{self.agreement.code} {self.role_category}/{self.unit} {self.amount} {self.currency} ({period})"

    def overlapping(self):
        """Other rows of the same agreement, role and unit whose period meets this one's."""
        qs = RateCard.objects.filter(agreement_id=self.agreement_id, role_category=self.role_category, unit=self.unit)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        qs = qs.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        if self.effective_to is not None:
            qs = qs.filter(effective_from__lte=self.effective_to)
        return qs

    def clean(self) -> None:
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "The period must end on or after it starts."})
        if self.agreement_id and self.currency != self.agreement.currency:
            raise ValidationError({"currency": f"Agreement {self.agreement.code} pays in {self.agreement.currency}."})
        if self.agreement_id and self.role_category and self.unit and self.effective_from:
            clash = self.overlapping().first()
            if clash is not None:
                raise ValidationError(
                    f"Overlaps {clash}: rows for the same agreement, role and unit must not overlap.",
                    code="rate_overlap",
                )


class PhRate(models.Model):
    """The agreement's pension & health contribution rate over a period: a share of performer
    pay (or of a synthetic performer's royalty) paid to the funds. Rows never overlap."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="ph_rates")
    rate = models.DecimalField(max_digits=6, decimal_places=4, validators=UNIT_INTERVAL)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty = until replaced")
    source_confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.MEDIUM)
    source_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["agreement__code", "effective_from"]
        verbose_name = "P&H rate"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "effective_from"], name="ph_rate_start_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="ph_rate_period_ordered",
            ),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=1), name="ph_rate_unit_interval"),
        ]

    def __str__(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.agreement.code} P&H {self.rate} ({self.effective_from}–{end})"

    def overlapping(self):
        qs = PhRate.objects.filter(agreement_id=self.agreement_id)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        qs = qs.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        if self.effective_to is not None:
            qs = qs.filter(effective_from__lte=self.effective_to)
        return qs

    def clean(self) -> None:
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "The period must end on or after it starts."})
        if self.agreement_id and self.effective_from:
            clash = self.overlapping().first()
            if clash is not None:
                raise ValidationError(f"Overlaps {clash}: an agreement's P&H periods must not overlap.")


class PricingRule(models.Model):
    """How one kind of use is priced under an agreement (DOMAIN.md sections 3 and 6): which
    scale row applies (role and unit), converted to a day or a unit by a stated divisor (a
    weekly scale / 5), times a multiplier (7.5 for games real-time generation, 1.5 for a
    commercial synthetic performer), and whether P&H is added.

    `role_category` empty is the rule for any role; a row for a role (a background actor's
    scan, a weekly performer's stand-in) wins over it. A change applies to lines not yet billed:
    an invoice line keeps a copy of the rule it was priced by, and finalized documents are
    never repriced."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="pricing_rules")
    usage_kind = models.CharField(max_length=24, choices=UsageKind.choices)
    role_category = models.CharField(
        max_length=24, choices=RoleCategory.choices, blank=True, help_text="Empty: the rule for any role."
    )
    scale_role = models.CharField(
        max_length=24,
        choices=RoleCategory.choices,
        blank=True,
        help_text="The scale row that applies; empty: no scale floor, the signed price alone.",
    )
    scale_unit = models.CharField(max_length=12, choices=RateUnit.choices, blank=True)
    scale_divisor = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="The scale is divided by this to price one unit of use (a weekly scale / 5 = a day).",
    )
    multiplier = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.001"))]
    )
    ph_applies = models.BooleanField(default=True, help_text="P&H contributions are added at the agreement's rate.")
    source_confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.MEDIUM)
    source_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["agreement__code", "usage_kind", "role_category"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "usage_kind", "role_category"], name="pricing_rule_unique_per_kind_role"
            ),
            models.CheckConstraint(condition=Q(scale_divisor__gte=1), name="pricing_rule_divisor_at_least_one"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="pricing_rule_multiplier_positive"),
        ]

    def __str__(self) -> str:
        role = f"/{self.role_category}" if self.role_category else ""
        scale = f"{self.scale_role}/{self.scale_unit}" if self.scale_role else "no scale"
        return f"{self.agreement.code} {self.usage_kind}{role}: {scale}"

    def clean(self) -> None:
        if bool(self.scale_role) != bool(self.scale_unit):
            raise ValidationError("Name both the scale's role and its unit, or neither (no scale floor).")
