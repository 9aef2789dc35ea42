"""Usage reported by studios, line by line, and the synthetic performers they use.

Lines are never deleted or edited: a studio retracts a line it reported by error (recorded),
and a line not covered by consent on its date is kept with status `violation` and a case.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.core.ids import new_public_id
from registry.core.vocabulary.consent import ProjectKind
from registry.core.vocabulary.terms import RoleCategory
from registry.core.vocabulary.usage import ExemptionReview, LineStatus, UsageKind, UsageUnit


def new_report_id() -> str:
    return new_public_id("urp")


def new_synthetic_id() -> str:
    return new_public_id("syn")


# The consent each kind of use of a performer relies on (DOMAIN.md 2.5: separate scopes).
class UsageReport(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_report_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="usage_reports")
    report_ref = models.CharField(max_length=64, help_text="The studio's own id for the report")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the canonical report body")
    received_at = models.DateTimeField()
    line_count = models.PositiveIntegerField()
    accepted_count = models.PositiveIntegerField()
    violation_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "report_ref"], name="usage_report_ref_unique_per_studio"),
            # What a usage line's key (report, studio) names: a line is its report's studio's.
            models.UniqueConstraint(fields=["id", "studio"], name="usage_report_with_studio"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.report_ref})"


class SyntheticPerformer(models.Model):
    """A fully digital performer a studio uses, and the real performers it draws features from."""

    public_id = models.CharField(max_length=40, unique=True, default=new_synthetic_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="synthetic_performers")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["studio_id", "name"]
        constraints = [models.UniqueConstraint(fields=["studio", "name"], name="synthetic_name_unique_per_studio")]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class FeatureBorrowing(models.Model):
    """A recognisable feature a synthetic performer draws from a real performer, and the
    feature-borrowing grant that allows it."""

    synthetic_performer = models.ForeignKey(SyntheticPerformer, on_delete=models.PROTECT, related_name="borrowings")
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="+")
    feature = models.CharField(max_length=200, help_text="e.g. face, voice, gait")
    grant = models.ForeignKey("consent.ConsentGrant", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["synthetic_performer", "performer", "feature"], name="borrowing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.synthetic_performer.name} borrows {self.feature} of {self.performer}"


def new_notice_id() -> str:
    return new_public_id("snt")


class SyntheticNotice(models.Model):
    """A studio's notice, before first use, that a synthetic performer will play a role a union
    performer could have played (DOMAIN.md 2.12). It opens a notice-and-bargaining case; under
    agreements that say so, use before the bargaining window ends is a violation."""

    public_id = models.CharField(max_length=40, unique=True, default=new_notice_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="synthetic_notices")
    synthetic_performer = models.ForeignKey(SyntheticPerformer, on_delete=models.PROTECT, related_name="notices")
    agreement = models.ForeignKey("terms.Agreement", on_delete=models.PROTECT, related_name="+")
    project_kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    project_title = models.CharField(max_length=200)
    production_number = models.CharField(max_length=64)
    role_category = models.CharField(max_length=24, choices=RoleCategory.choices)
    role = models.CharField(max_length=200, help_text="The role the synthetic performer plays")
    starts_on = models.DateField(help_text="First planned use")
    ends_on = models.DateField(help_text="Last planned use")
    justification = models.TextField(blank=True, max_length=4000)
    borrows_real_features = models.BooleanField(help_text="As the studio stated it")
    filed_at = models.DateTimeField()
    bargaining_ends_on = models.DateField(help_text="Filing date + the agreement's bargaining days")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["synthetic_performer", "production_number"], name="synthetic_notice_once_per_project"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="synthetic_notice_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.synthetic_performer_id} in {self.production_number}"


class UsageLine(models.Model):
    """One use a studio reported. On PostgreSQL the table is partitioned by the month of
    `use_date` (registry/usage/partitions.py): its primary key is (id, use_date), what points at
    a line carries both, and a studio's line ids are kept unique by UsageLineKey."""

    # On PostgreSQL one key checks both: (report, studio) names a report of that studio
    # (usage_line_report_of_studio, migration 0009), so a line cannot name another studio's
    # report, and a key check is a twentieth of a line's cost to store. SQLite (embedded) checks
    # neither: Django cannot declare a key of two columns.
    report = models.ForeignKey(UsageReport, on_delete=models.PROTECT, related_name="lines", db_constraint=False)
    # No index of its own: the indexes below that begin with the studio serve its lookups.
    studio = models.ForeignKey(
        "parties.Studio", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    line_ref = models.CharField(max_length=64, help_text="The studio's own id for the line, unique per studio")
    kind = models.CharField(max_length=24, choices=UsageKind.choices)
    status = models.CharField(max_length=12, choices=LineStatus.choices)
    grant = models.ForeignKey(
        "consent.ConsentGrant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="usage_lines",
        help_text="The grant version the studio relied on",
    )
    # No index on the FKs nothing looks lines up by (covering grant, synthetic performer,
    # agreement): each index costs WAL on every line of every report.
    covering_grant = models.ForeignKey(
        "consent.ConsentGrant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The version that covered the use on its date",
    )
    performer = models.ForeignKey(
        "parties.Performer", null=True, blank=True, on_delete=models.PROTECT, related_name="usage_lines"
    )
    synthetic_performer = models.ForeignKey(
        SyntheticPerformer, null=True, blank=True, on_delete=models.PROTECT, related_name="usage_lines", db_index=False
    )
    agreement = models.ForeignKey("terms.Agreement", on_delete=models.PROTECT, related_name="+", db_index=False)
    project_kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    project_title = models.CharField(max_length=200)
    production_number = models.CharField(max_length=64)
    use_date = models.DateField()
    units = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=16, choices=UsageUnit.choices)
    role_category = models.CharField(max_length=24, choices=RoleCategory.choices, blank=True)
    estimated_days = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The studio's good-faith estimate of days the performer would have worked",
    )
    negotiated_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    media = models.JSONField(default=list)
    territory = models.JSONField(default=list)
    alteration_exemption = models.CharField(max_length=24, blank=True)
    # DOMAIN.md 2.7: the studio's reason for the claimed exemption, and union staff's review of it.
    exemption_justification = models.CharField(max_length=500, blank=True, default="")
    exemption_review = models.CharField(max_length=12, choices=ExemptionReview.choices, blank=True, default="")
    exemption_reviewed_at = models.DateTimeField(null=True, blank=True)
    exemption_reviewed_by = models.CharField(max_length=200, blank=True, default="")
    # What the use is beyond media and territory, as reported (rule 2.4).
    role = models.CharField(max_length=200, blank=True, default="")
    intended_use = models.CharField(max_length=500, blank=True, default="")
    sensitive_content = models.JSONField(default=list, blank=True)
    realtime_generation = models.BooleanField(default=False)
    violation_code = models.CharField(max_length=40, blank=True)
    violation_detail = models.CharField(max_length=500, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.CharField(max_length=500, blank=True)
    # Set by a billing run that could not price an accepted line (a rate or a rule the union has
    # not entered yet), cleared when a later run prices it: the studio sees it over the API and
    # a webhook, staff on the console dashboard.
    unrateable_reason = models.CharField(max_length=500, blank=True)
    unrateable_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="usage_units_positive"),
        ]
        indexes = [
            models.Index(fields=["studio", "use_date"]),
            # A studio's lines in id order: billing pages through them by id (rating_inputs.uses).
            models.Index(fields=["studio", "id"], name="usage_line_studio_keyset"),
            models.Index(fields=["status", "use_date"]),
            # The console's list of unrateable lines reads only those: a small partial index.
            models.Index(
                fields=["studio", "unrateable_since"],
                condition=Q(unrateable_since__isnull=False),
                name="usage_line_unrateable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_ref} ({self.kind}, {self.use_date})"


class Retraction(models.Model):
    """A usage line's retraction, in the order retractions happened (ids from one sequence).

    Billing reads a studio's retractions from the last one its runs settled (billing's
    `UnbilledMark.retractions_through`), not every line the studio ever retracted, whose
    number only grows. Written with the retraction under the studio's lock
    (`usage_line_retract`), which a billing run holds while it reads: a retraction the run did
    not see gets a larger id than every one it saw."""

    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="+")
    # No database key to the line (partitioned by month on PostgreSQL): a key would hold the
    # line's month in place, and a month long billed could not be detached and archived while
    # a retraction named one of its lines. The line's own status records the retraction; this
    # row is where billing's reading of them starts.
    usage_line = models.ForeignKey(
        UsageLine, on_delete=models.PROTECT, related_name="retractions", db_constraint=False
    )
    usage_line_use_date = models.DateField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["usage_line"], name="usage_line_retracted_once")]
        indexes = [models.Index(fields=["studio", "id"], name="retraction_studio_keyset")]

    def __str__(self) -> str:
        return f"{self.usage_line_id} retracted {self.at:%Y-%m-%d}"


class UsageLineKey(models.Model):
    """A studio's line id, once: what keeps line ids unique per studio whatever their use date.

    A unique index on a partitioned table must include the partition key, and (studio, line id,
    use date) would take a line resent with another date for a new line; this narrow table holds
    the rule instead, written in the transaction that stores the lines (services._store_lines).
    A report's line ids are stored here first: one the studio reported before meets the primary
    key, and the report is refused naming the line (only then are its ids looked up)."""

    pk = models.CompositePrimaryKey("studio", "line_ref")
    # No database constraint: the line itself carries the studio's foreign key, and a check per
    # key would double that cost on every line of every report. No index of its own either: the
    # primary key begins with the studio.
    studio = models.ForeignKey(
        "parties.Studio", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    line_ref = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.studio_id}/{self.line_ref}"
