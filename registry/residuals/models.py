"""Residual-style pay records: titles and their casts, viewing reports with the qualification
decision made on each, streaming success bonus distributions, and AI training licences.

Nothing here is edited once written. A decision keeps the inputs it was made on (views, runtime,
subscribers, threshold, window, the terms applied), a distribution keeps the amounts it split
and the ledger entry it posted, so staff can always see why. Database constraints make a title
qualify at most once per exhibition year.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.consent import rules as consent_rules
from registry.core.ids import new_public_id
from registry.core.vocabulary.consent import ProjectKind
from registry.core.vocabulary.residuals import ConsentBasis, QualificationOutcome
from registry.residuals import rules


def new_title_id() -> str:
    return new_public_id("ttl")


def new_viewing_report_id() -> str:
    return new_public_id("vwr")


def new_distribution_id() -> str:
    return new_public_id("sbd")


def new_licence_id() -> str:
    return new_public_id("tlc")


# A streaming success bonus is for pictures and series made for streaming.
TITLE_PROJECT_KINDS = (ProjectKind.PICTURE, ProjectKind.SERIES)


class Title(models.Model):
    """A picture or series a studio exhibits on a streaming service, and whom it pays residuals."""

    public_id = models.CharField(max_length=40, unique=True, default=new_title_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="titles")
    agreement = models.ForeignKey("terms.Agreement", on_delete=models.PROTECT, related_name="+")
    project_kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    name = models.CharField(max_length=200)
    production_number = models.CharField(max_length=64)
    streaming_service = models.CharField(max_length=200)
    release_date = models.DateField(help_text="First day of exhibition year 1")
    runtime_minutes = models.PositiveIntegerField(help_text="Running time; for a season, of all its episodes")
    high_budget_svod = models.BooleanField(help_text="High-budget, made for subscription streaming")
    currency = models.CharField(max_length=3, help_text="The agreement's currency when registered")
    registered_at = models.DateTimeField()
    registered_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "production_number"], name="title_production_unique_per_studio"),
            models.CheckConstraint(condition=Q(runtime_minutes__gt=0), name="title_runtime_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.production_number})"

    def project(self) -> consent_rules.Project:
        return consent_rules.Project(kind=self.project_kind, title=self.name, production_number=self.production_number)

    def facts(self) -> rules.TitleFacts:
        return rules.TitleFacts(
            release_date=self.release_date,
            runtime_minutes=self.runtime_minutes,
            high_budget_svod=self.high_budget_svod,
        )


class CastMember(models.Model):
    """A performer in a title's cast, with the fixed residual the bonus and licence shares are
    based on (in the title's currency)."""

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="cast")
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="cast_roles")
    role = models.CharField(max_length=200, blank=True)
    residual_base = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["title_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["title", "performer"], name="cast_member_once_per_title"),
            models.CheckConstraint(condition=Q(residual_base__gt=0), name="cast_residual_base_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.performer} in {self.title}"


class ViewingReport(models.Model):
    """A studio's viewing figures for one exhibition year's window of a title, and the
    qualification decision made on them when received, with every input it used."""

    public_id = models.CharField(max_length=40, unique=True, default=new_viewing_report_id, editable=False)
    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="viewing_reports")
    # As reported.
    exhibition_year = models.PositiveSmallIntegerField()
    hours_streamed = models.DecimalField(max_digits=18, decimal_places=2, help_text="Domestic hours in the window")
    domestic_subscribers = models.PositiveBigIntegerField()
    subscribers_as_of = models.DateField()
    reported_at = models.DateTimeField()
    reported_by = models.CharField(max_length=200)
    # The decision and its inputs, copied so that later edits to the title or terms change nothing.
    runtime_minutes = models.PositiveIntegerField()
    window_start = models.DateField()
    window_end = models.DateField()
    views = models.DecimalField(max_digits=22, decimal_places=4, help_text="Hours × 60 ÷ runtime, cut to 4 places")
    threshold = models.DecimalField(max_digits=5, decimal_places=4)
    required_views = models.DecimalField(max_digits=22, decimal_places=4, help_text="Threshold × subscribers")
    meets_threshold = models.BooleanField()
    outcome = models.CharField(max_length=24, choices=QualificationOutcome.choices)
    explanation = models.TextField(max_length=2000)
    terms_used = models.JSONField(help_text="The agreement's bonus terms as applied")

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["title", "exhibition_year"]), models.Index(fields=["window_start"])]
        constraints = [
            models.CheckConstraint(condition=Q(exhibition_year__gte=1), name="viewing_year_from_one"),
            models.CheckConstraint(condition=Q(hours_streamed__gte=0), name="viewing_hours_not_negative"),
            models.CheckConstraint(condition=Q(domestic_subscribers__gt=0), name="viewing_subscribers_positive"),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="viewing_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.title}, year {self.exhibition_year}: {self.outcome})"


class BonusDistribution(models.Model):
    """The streaming success bonus paid for one exhibition year of a title: what was split, how,
    and the ledger entry that moved it."""

    public_id = models.CharField(max_length=40, unique=True, default=new_distribution_id, editable=False)
    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="bonus_distributions")
    exhibition_year = models.PositiveSmallIntegerField()
    viewing_report = models.OneToOneField(ViewingReport, on_delete=models.PROTECT, related_name="distribution")
    currency = models.CharField(max_length=3)
    fixed_residual_total = models.DecimalField(max_digits=14, decimal_places=2)
    bonus_total = models.DecimalField(max_digits=14, decimal_places=2)
    performers_total = models.DecimalField(max_digits=14, decimal_places=2)
    fund = models.CharField(max_length=40, default=rules.SUCCESS_BONUS_FUND)
    fund_amount = models.DecimalField(max_digits=14, decimal_places=2)
    terms_used = models.JSONField()
    explanation = models.TextField(max_length=2000)
    journal_entry = models.OneToOneField(
        "billing.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.OneToOneField(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bonus_distribution",
        help_text="The residuals invoice that bills the bonus to the studio",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A title qualifies at most once per exhibition year.
            models.UniqueConstraint(fields=["title", "exhibition_year"], name="bonus_once_per_title_year"),
            models.CheckConstraint(condition=Q(bonus_total__gte=0), name="bonus_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.title}, year {self.exhibition_year})"


class BonusShare(models.Model):
    distribution = models.ForeignKey(BonusDistribution, on_delete=models.PROTECT, related_name="shares")
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="bonus_shares")
    residual_base = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["distribution_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "performer"], name="bonus_share_once_per_performer"),
        ]

    def __str__(self) -> str:
        return f"{self.performer}: {self.amount}"


class TrainingLicence(models.Model):
    """A studio licensed a title's media to a third party to train AI: the fee, the term, the
    cast's share of it, and the union notice it opened (the 2026 rule)."""

    public_id = models.CharField(max_length=40, unique=True, default=new_licence_id, editable=False)
    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="training_licences")
    licensee = models.CharField(max_length=200)
    licensee_key = models.CharField(max_length=200, editable=False, help_text="The licensee's name, normalised")
    fee = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    term_start = models.DateField()
    term_end = models.DateField()
    performer_share = models.DecimalField(max_digits=5, decimal_places=4)
    performers_total = models.DecimalField(max_digits=14, decimal_places=2)
    terms_used = models.JSONField()
    notice_case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    journal_entry = models.OneToOneField(
        "billing.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.OneToOneField(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_licence",
        help_text="The residuals invoice that bills the cast's shares to the studio",
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            # The same licence recorded twice would pay the cast twice.
            models.UniqueConstraint(
                fields=["title", "licensee_key", "term_start"], name="training_licence_once_per_term"
            ),
            models.CheckConstraint(condition=Q(fee__gt=0), name="training_licence_fee_positive"),
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="training_licence_term_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.title} to {self.licensee})"


class LicenceShare(models.Model):
    """A cast member's part in a training licence: their pay, and on what consent it rests."""

    licence = models.ForeignKey(TrainingLicence, on_delete=models.PROTECT, related_name="shares")
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="licence_shares")
    residual_base = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    consent_basis = models.CharField(max_length=8, choices=ConsentBasis.choices)
    grant = models.ForeignKey(
        "consent.ConsentGrant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    violation_case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    findings = models.JSONField(default=list, blank=True, help_text="Why no grant covered it, when none did")

    class Meta:
        ordering = ["licence_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["licence", "performer"], name="licence_share_once_per_performer"),
            models.CheckConstraint(
                condition=Q(consent_basis=ConsentBasis.GRANT, grant__isnull=False)
                | ~Q(consent_basis=ConsentBasis.GRANT),
                name="licence_share_grant_named",
            ),
            models.CheckConstraint(
                condition=Q(consent_basis=ConsentBasis.NONE, violation_case__isnull=False)
                | ~Q(consent_basis=ConsentBasis.NONE),
                name="licence_share_violation_has_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.performer}: {self.amount} ({self.consent_basis})"
