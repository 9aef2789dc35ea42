"""Consent records: requests, description versions, signatures, grants and their history.

Nothing here is edited in place once it matters: a grant changes through new versions and
status changes, each with a history row and an audit event (written by services.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.consent import rules
from registry.core.ids import new_public_id
from registry.core.vocabulary.consent import (
    LIVE_GRANT_STATUSES,
    CompensationUnit,
    GrantStatus,
    ProjectKind,
    ReplicaOrigin,
    ReplicaSource,
    RequestStatus,
    SignatureMethod,
    SignerRole,
    StrikeJobKind,
    StrikeJobStatus,
    SuspensionCause,
    UseType,
)


def new_request_id() -> str:
    return new_public_id("crq")


def new_grant_id() -> str:
    return new_public_id("cgr")


def new_lineage_id() -> str:
    return new_public_id("cgl")


def new_strike_id() -> str:
    return new_public_id("stk")


class ProjectFields(models.Model):
    """The one project a consent is scoped to (DOMAIN.md 2.3)."""

    project_kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    project_title = models.CharField(max_length=200)
    production_number = models.CharField(max_length=64)
    advertiser = models.CharField(max_length=200, blank=True)
    product_line = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    def project(self) -> rules.Project:
        return rules.Project(
            kind=self.project_kind,
            title=self.project_title,
            production_number=self.production_number,
            advertiser=self.advertiser,
            product_line=self.product_line,
        )


class ConsentRequest(ProjectFields):
    public_id = models.CharField(max_length=40, unique=True, default=new_request_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="consent_requests")
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="consent_requests")
    agreement = models.ForeignKey("terms.Agreement", on_delete=models.PROTECT, related_name="+")
    use = models.CharField(max_length=24, choices=UseType.choices)
    amends = models.ForeignKey(
        "ConsentGrant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendment_requests",
        help_text="The grant version this request would replace when accepted.",
    )
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    scan_at = models.DateTimeField(null=True, blank=True)
    engaged_at = models.DateTimeField(null=True, blank=True)
    business_reason = models.TextField(blank=True, max_length=2000)
    # Rule 2.6: a replica from a scan session (scan notice) or from footage shot on the job.
    replica_source = models.CharField(
        max_length=20, choices=ReplicaSource.choices, default=ReplicaSource.SCAN_SESSION, blank=True
    )
    footage_from = models.DateField(null=True, blank=True)
    footage_to = models.DateField(null=True, blank=True)

    compensation_amount = models.DecimalField(max_digits=12, decimal_places=2)
    compensation_currency = models.CharField(max_length=3)
    compensation_unit = models.CharField(max_length=16, choices=CompensationUnit.choices)
    compensation_negotiated_per_use = models.BooleanField(
        default=False,
        help_text="The price of each use is negotiated then: the amount is the signed minimum per unit, and "
        "each usage line states its price.",
    )
    replica_origin = models.CharField(
        max_length=24,
        choices=ReplicaOrigin.choices,
        blank=True,
        help_text="Employment-based or independently created (replica uses only): it decides how use is paid.",
    )
    estimated_days = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    decline_reason = models.TextField(blank=True, max_length=2000)
    auto_declined = models.BooleanField(default=False)
    decline_codes = models.JSONField(default=list, blank=True)
    # Rule 2.10: made while a strike against the studio was in force, under an agreement that
    # holds such requests instead of refusing them; any consent from it is suspended while the
    # strike lasts (a check reads the strike itself).
    held_by_strike = models.ForeignKey(
        "Strike", null=True, blank=True, on_delete=models.PROTECT, related_name="held_requests"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["studio", "status"]),
            models.Index(fields=["performer", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(compensation_amount__gt=0), name="request_amount_positive"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("requested_at")), name="request_expiry_after"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.get_use_display()}, {self.project_title})"

    @property
    def current_description(self) -> DescriptionVersion:
        return self.description_versions.order_by("-version").first()

    def compensation(self) -> rules.Compensation:
        return rules.Compensation(
            amount=self.compensation_amount,
            currency=self.compensation_currency,
            unit=self.compensation_unit,
            estimated_days=self.estimated_days,
            negotiated_per_use=self.compensation_negotiated_per_use,
        )


class DescriptionVersion(models.Model):
    """One version of the reasonably specific description, identified by its SHA-256."""

    request = models.ForeignKey(ConsentRequest, on_delete=models.PROTECT, related_name="description_versions")
    version = models.PositiveSmallIntegerField()
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["request_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="description_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.request.public_id} v{self.version}"

    def description(self) -> rules.Description:
        return description_from_content(self.content)


def description_from_content(content: dict) -> rules.Description:
    return rules.Description(
        role_or_scenes=content["role_or_scenes"],
        intended_uses=tuple(content["intended_uses"]),
        media=tuple(content["media"]),
        territory=tuple(content["territory"]),
        term_start=dt.date.fromisoformat(content["term_start"]),
        term_end=dt.date.fromisoformat(content["term_end"]),
        sensitive_content=tuple(content.get("sensitive_content", ())),
        content_categories=tuple(content.get("content_categories", ())),
        realtime_generation=content.get("realtime_generation"),
        depicts_minor=bool(content.get("depicts_minor", False)),
        future_spots=bool(content.get("future_spots", False)),
        detail=content.get("detail", ""),
        depicted_age=content.get("depicted_age"),
        lifetime_only=bool(content.get("lifetime_only", False)),
    )


class Signature(models.Model):
    """Who signed, when, how, and exactly which description version they saw (DOMAIN.md 2.1)."""

    request = models.OneToOneField(ConsentRequest, on_delete=models.PROTECT, related_name="signature")
    description_version = models.ForeignKey(DescriptionVersion, on_delete=models.PROTECT, related_name="+")
    description_sha256 = models.CharField(max_length=64)
    signer_role = models.CharField(max_length=16, choices=SignerRole.choices)
    signer_name = models.CharField(max_length=200)
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    representative = models.ForeignKey(
        "parties.Representative", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(
        max_length=24, choices=SignatureMethod.choices, default=SignatureMethod.PORTAL_ATTESTATION
    )
    attestation_text = models.TextField(max_length=4000)
    represented_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="Union agreement or counsel who advised the performer.",
    )
    signed_at = models.DateTimeField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    estate_search = models.ForeignKey(
        "parties.EstateSearch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The union's signature rests on this diligent search for an estate (DOMAIN.md 2.8)",
    )

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.signer_role}) for {self.request.public_id}"


class ConsentGrant(ProjectFields):
    """One version of a consent. Versions of the same consent share a lineage id."""

    public_id = models.CharField(max_length=40, unique=True, default=new_grant_id, editable=False)
    lineage_id = models.CharField(max_length=40, default=new_lineage_id, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    request = models.OneToOneField(ConsentRequest, on_delete=models.PROTECT, related_name="grant")
    # No index of their own on these three keys: an index of Meta leads with each, and every index
    # is written again whenever a grant's status changes (a strike's job changes 100,000 of them).
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="grants", db_index=False)
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="grants", db_index=False)
    agreement = models.ForeignKey("terms.Agreement", on_delete=models.PROTECT, related_name="+", db_index=False)
    use = models.CharField(max_length=24, choices=UseType.choices)
    media = models.JSONField()
    territory = models.JSONField()
    term_start = models.DateField()
    term_end = models.DateField()
    future_spots = models.BooleanField(default=False)
    ends_at_death = models.BooleanField(default=False, help_text="Limited to the performer's lifetime (rule 2.8)")
    # The rest of the signed description, copied from it so a check compares the whole of it in
    # its one statement (rule 2.4); the signed version stays the record.
    role_or_scenes = models.TextField(blank=True, default="", max_length=2000)
    intended_uses = models.JSONField(default=list, blank=True)
    sensitive_content = models.JSONField(default=list, blank=True)
    realtime_generation = models.BooleanField(null=True, blank=True)
    description_sha256 = models.CharField(max_length=64)
    signer_role = models.CharField(max_length=16, choices=SignerRole.choices)
    status = models.CharField(max_length=16, choices=GrantStatus.choices, default=GrantStatus.ACTIVE)
    activated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it became revoked, expired or superseded")

    class Meta:
        ordering = ["-activated_at", "-id"]
        indexes = [
            models.Index(fields=["studio", "performer", "use"]),
            models.Index(fields=["performer", "status"]),
            models.Index(fields=["agreement", "studio", "status"]),
            models.Index(fields=["status", "term_end"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["lineage_id", "version"], name="grant_version_unique"),
            # The invariant the whole registry leans on: at most one live version per consent.
            models.UniqueConstraint(
                fields=["lineage_id"],
                condition=Q(status__in=LIVE_GRANT_STATUSES),
                name="grant_one_live_version",
            ),
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")), name="grant_term_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} v{self.version} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_GRANT_STATUSES

    def scope(self) -> rules.GrantScope:
        return rules.GrantScope(
            use=self.use,
            project=self.project(),
            term_start=self.term_start,
            term_end=self.term_end,
            media=tuple(self.media),
            territory=tuple(self.territory),
            future_spots=self.future_spots,
            role_or_scenes=self.role_or_scenes,
            intended_uses=tuple(self.intended_uses),
            sensitive_content=tuple(self.sensitive_content),
            realtime_generation=self.realtime_generation,
        )


class GrantStatusChange(models.Model):
    """The status history of a grant version: checks at a past date read it."""

    grant = models.ForeignKey(ConsentGrant, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=GrantStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=GrantStatus.choices)
    at = models.DateTimeField()
    reason = models.TextField(blank=True, max_length=2000)
    strike = models.ForeignKey("Strike", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["grant_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.grant.public_id}: {self.from_status or '-'} → {self.to_status}"


class Suspension(models.Model):
    """Why a grant is suspended: by the performer, or by a strike. A grant is active again only
    when every one of its suspensions has ended."""

    grant = models.ForeignKey(ConsentGrant, on_delete=models.PROTECT, related_name="suspensions")
    cause = models.CharField(max_length=16, choices=SuspensionCause.choices)
    strike = models.ForeignKey("Strike", null=True, blank=True, on_delete=models.PROTECT, related_name="suspensions")
    reason = models.TextField(blank=True, max_length=2000)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["grant_id", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cause=SuspensionCause.STRIKE, strike__isnull=False)
                | Q(cause=SuspensionCause.PERFORMER, strike__isnull=True),
                name="suspension_cause_matches_strike",
            ),
            models.UniqueConstraint(
                fields=["grant", "strike"],
                condition=Q(strike__isnull=False),
                name="suspension_once_per_strike",
            ),
            models.UniqueConstraint(
                fields=["grant"],
                condition=Q(cause=SuspensionCause.PERFORMER, ended_at__isnull=True),
                name="suspension_one_open_by_performer",
            ),
        ]
        indexes = [
            # A lift job reads a strike's open suspensions in grant order, a batch at a time;
            # the ones it ended leave this index, so every batch starts at the first left.
            models.Index(
                fields=["strike", "grant"],
                condition=Q(strike__isnull=False, ended_at__isnull=True),
                name="suspension_open_by_strike",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant.public_id} suspended by {self.cause}"

    def span(self) -> rules.SuspensionSpan:
        return rules.SuspensionSpan(cause=self.cause, started_at=self.started_at, ended_at=self.ended_at)


class Strike(models.Model):
    """A strike against studios under an agreement: while it lasts their grants are suspended."""

    public_id = models.CharField(max_length=40, unique=True, default=new_strike_id, editable=False)
    agreement = models.ForeignKey("terms.Agreement", on_delete=models.PROTECT, related_name="strikes")
    studios = models.ManyToManyField("parties.Studio", related_name="strikes")
    reason = models.TextField(max_length=2000)
    starts_at = models.DateTimeField()
    declared_at = models.DateTimeField()
    declared_by = models.CharField(max_length=200)
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="When its job had suspended every grant it covers"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"Strike {self.public_id} ({self.agreement.code})"

    def in_force_at(self, at: dt.datetime) -> bool:
        """In force from its start until it is lifted, whether or not its job has reached every
        grant yet: checks read the strike itself."""
        return self.starts_at <= at and (self.lifted_at is None or at < self.lifted_at)

    @property
    def is_in_force(self) -> bool:
        return self.in_force_at(timezone.now())


class StrikeJob(models.Model):
    """The background work of a strike: suspending the grants it covers (apply), or restoring
    what it suspended (lift), a batch per transaction.

    The cursor, the counts and the batch's writes commit together, so a job whose worker was
    killed continues where its last batch ended, and running it twice suspends nothing twice.
    """

    strike = models.ForeignKey(Strike, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(max_length=8, choices=StrikeJobKind.choices)
    status = models.CharField(max_length=8, choices=StrikeJobStatus.choices, default=StrikeJobStatus.PENDING)
    total = models.PositiveIntegerField(default=0, help_text="Grants to go through, counted when the job started")
    processed = models.PositiveIntegerField(default=0, help_text="Grants gone through so far")
    changed = models.PositiveIntegerField(
        default=0, help_text="Grants whose status changed (suspended, or active again)"
    )
    batches = models.PositiveIntegerField(default=0)
    # Where the last batch ended: batches go studio by studio (by id), and by grant id within one.
    cursor_studio = models.PositiveBigIntegerField(default=0, help_text="The studio id of the last grant done")
    cursor = models.PositiveBigIntegerField(default=0, help_text="The last grant id done")
    # Status lists whose slots the job changed: each is re-signed once, when the grants are done.
    status_lists = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When it was last sent to a worker")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="When its last batch committed")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["strike_id", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["strike", "kind"], name="strike_job_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.strike.public_id}, {self.status})"

    @property
    def percent(self) -> int:
        if self.status == StrikeJobStatus.DONE:
            return 100
        return min(99, self.processed * 100 // self.total) if self.total else 0


class PerformerPreferences(models.Model):
    """Standing preferences: requests that conflict are declined without asking."""

    performer = models.OneToOneField("parties.Performer", on_delete=models.CASCADE, related_name="preferences")
    do_not_train = models.BooleanField(default=False)
    opt_out_categories = models.JSONField(default=list, blank=True)
    declined_uses = models.JSONField(default=list, blank=True)
    rate_floor_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    rate_floor_currency = models.CharField(max_length=3, blank=True)
    rate_floor_unit = models.CharField(max_length=16, choices=CompensationUnit.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "performer preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.performer}"

    def as_rules(self) -> rules.Preferences:
        floor = None
        if self.rate_floor_amount is not None and self.rate_floor_currency and self.rate_floor_unit:
            floor = rules.Compensation(
                amount=self.rate_floor_amount,
                currency=self.rate_floor_currency,
                unit=self.rate_floor_unit,
            )
        return rules.Preferences(
            do_not_train=self.do_not_train,
            opt_out_categories=frozenset(self.opt_out_categories),
            rate_floor=floor,
            declined_uses=frozenset(self.declined_uses),
        )


class ConsentCheckRecord(models.Model):
    """One consent check a studio made, kept as evidence (DOMAIN.md 2.14): who checked which
    performer for what use, when, and the answer. Append-only and narrow: checks are the API's
    busiest call, so they reach this table in bulk from a buffer (registry.consent.check_log),
    not one audit event each; a check with `record: true` also has its audit event (`receipt`).
    """

    # Unique with checked_at, not alone: on PostgreSQL the table is partitioned by month of
    # checked_at (registry/consent/partitions.py), and a unique index must include that column.
    # A replayed flush repeats both, so it still skips what is stored.
    ref = models.CharField(max_length=32, help_text="Written once: a replayed flush skips it")
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="+", db_index=False)
    performer = models.ForeignKey("parties.Performer", on_delete=models.PROTECT, related_name="+", db_index=False)
    checked_at = models.DateTimeField()
    use = models.CharField(max_length=24, choices=UseType.choices)
    project_kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    production_number = models.CharField(max_length=64)
    on = models.DateField(help_text="The date of use asked about")
    statement = models.JSONField(help_text="The rest of the use as stated: media, territory, role, ...")
    allowed = models.BooleanField()
    grant_ref = models.CharField(max_length=40, blank=True, help_text="The covering grant's public id")
    reasons = models.JSONField(default=list, blank=True, help_text="code or code:field, for each reason")
    receipt = models.BigIntegerField(null=True, blank=True, help_text="The audit event of a recorded check")

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["ref", "checked_at"], name="check_record_written_once")]
        indexes = [
            # Pages are read newest first by id (ids follow the order checks were made).
            models.Index(fields=["performer", "-id"], name="check_record_performer"),
            models.Index(fields=["studio", "-id"], name="check_record_studio"),
        ]

    def __str__(self) -> str:
        return f"{self.use} {self.production_number} on {self.on} ({'yes' if self.allowed else 'no'})"
