"""The parties: performers, the representatives who act for them, studios and their API keys.

Union staff are Django users in the `union_admin` or `union_analyst` group (see roles.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.core.ids import new_public_id
from registry.core.people import is_minor_on
from registry.core.vocabulary.parties import ApiScope, ContactRole, RepresentativeKind, SignatoryStatus, StudioStatus
from registry.core.vocabulary.reference import Confidence

# A performer's public id is `prf_…`; a performer reference that is not one is a member number.
PERFORMER_ID_PREFIX = "prf"


def new_performer_id() -> str:
    return new_public_id(PERFORMER_ID_PREFIX)


def new_studio_id() -> str:
    return new_public_id("std")


class Jurisdiction(models.Model):
    """The law that governs a performer's likeness: data union staff edit (DOMAIN.md 2.8, 6)."""

    code = models.SlugField(max_length=16, unique=True, help_text="e.g. us-ca")
    name = models.CharField(max_length=100)
    post_mortem_protection_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Years after death during which the estate controls the likeness; empty: no limit is recorded.",
    )
    minor_earnings_set_aside = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of a minor's earnings set aside in a blocked trust account (DOMAIN.md 2.9; California 15).",
    )
    source_confidence = models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.MEDIUM)
    source_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Performer(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_performer_id, editable=False)
    member_number = models.CharField(
        max_length=32, unique=True, help_text="Union member number, unique across the registry."
    )
    legal_name = models.CharField(max_length=200)
    professional_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    date_of_birth = models.DateField()
    date_of_death = models.DateField(null=True, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="performers",
        help_text="Whose law governs the performer's likeness after death (the post-mortem period).",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="performer",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when privacy carries out an erasure: the record is a pseudonym from then on.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True) | Q(date_of_death__gte=models.F("date_of_birth")),
                name="performer_death_after_birth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.member_number})"

    @property
    def display_name(self) -> str:
        return self.professional_name or self.legal_name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def is_deceased(self) -> bool:
        return self.date_of_death is not None

    def is_minor_on(self, day: dt.date) -> bool:
        return is_minor_on(self.date_of_birth, day, self.date_of_death)

    @property
    def is_minor(self) -> bool:
        return not self.is_deceased and self.is_minor_on(timezone.localdate())


class Representative(models.Model):
    """A person authorised to act for one performer, for a period, on a documented authority."""

    performer = models.ForeignKey(Performer, on_delete=models.PROTECT, related_name="representatives")
    kind = models.CharField(max_length=16, choices=RepresentativeKind.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="representations",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Inclusive; empty = until revoked")
    authority_document = models.CharField(
        max_length=500,
        help_text="What authorises them: e.g. 'Letters testamentary, LA County 2025-114'.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["performer_id", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="representative_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()} for {self.performer.display_name})"


class Studio(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_studio_id, editable=False)
    legal_name = models.CharField(max_length=200, unique=True)
    signatory_status = models.CharField(
        max_length=16, choices=SignatoryStatus.choices, default=SignatoryStatus.SIGNATORY
    )
    agreements = models.ManyToManyField("terms.Agreement", blank=True, related_name="studios")
    status = models.CharField(max_length=16, choices=StudioStatus.choices, default=StudioStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_active(self) -> bool:
        return self.status == StudioStatus.ACTIVE


class StudioContact(models.Model):
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=ContactRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["studio_id", "role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "email", "role"], name="contact_unique_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> ({self.role})"


def all_scopes() -> list[str]:
    return [scope.value for scope in ApiScope]


class ApiKey(models.Model):
    """A studio's API key. Only a SHA-256 of the secret is stored; the prefix identifies it."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=all_scopes)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["studio_id", "-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class EstateSearch(models.Model):
    """Union staff's record of a diligent search for the estate of a deceased performer (DOMAIN.md
    2.8): the union consents for them only once one is on record and no estate was found. Kept,
    never edited; a later search is a new record."""

    performer = models.ForeignKey(Performer, on_delete=models.PROTECT, related_name="estate_searches")
    searcher = models.CharField(max_length=200, help_text="Who searched")
    searched_on = models.DateField(help_text="When the search ended")
    steps = models.TextField(
        max_length=4000, help_text="What was tried: registries, probate courts, relatives, agents"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-searched_on", "-id"]

    def __str__(self) -> str:
        return f"Search by {self.searcher} on {self.searched_on}"
