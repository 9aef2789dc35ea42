"""Billing records: runs, invoices and credit notes with their lines, and the double-entry ledger.

Finalized documents are immutable: corrections are credit (or debit) notes linked to the
original. Every journal entry balances to zero. Database constraints make each document
unique per studio, period and kind, and each usage line charged at most once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import TruncMonth

from registry.core.ids import new_public_id
from registry.core.partitions import both_or_neither
from registry.core.vocabulary.billing import (
    AccountKind,
    DocumentType,
    InvoiceStatus,
    PayeeKind,
    PaymentMethod,
    RunStatus,
)


def new_run_id() -> str:
    return new_public_id("run")


def new_invoice_id() -> str:
    return new_public_id("inv")


def new_entry_id() -> str:
    return new_public_id("je")


def new_payment_id() -> str:
    return new_public_id("pmt")


def new_payout_run_id() -> str:
    return new_public_id("por")


LIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)
RUN_ERRORS_KEPT = 200  # on the run itself; all of them on its studios' rows


class BillingRun(models.Model):
    """One billing pass over a calendar month. Re-running a period bills only what is unbilled."""

    public_id = models.CharField(max_length=40, unique=True, default=new_run_id, editable=False)
    period = models.DateField(help_text="First day of the month billed")
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.PENDING)
    requested_by = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    studios_total = models.PositiveIntegerField(default=0)
    studios_done = models.PositiveIntegerField(default=0)
    documents_created = models.PositiveIntegerField(default=0)
    lines_billed = models.PositiveIntegerField(default=0)
    # Each studio's errors are kept on its row (BillingRunStudio.errors); the run keeps their
    # count and the first RUN_ERRORS_KEPT for a first look. Copying them all here made every
    # studio's progress rewrite all errors so far under the run's lock: a month whose scale
    # rate is missing, so that every studio errs, grew as the square of the studios.
    error_count = models.PositiveIntegerField(default=0, help_text="Errors reported by all studios")
    errors = models.JSONField(
        default=list, blank=True, help_text="The first errors reported; each studio's are on its billing run studio"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two runs started at once for a period: the second finds the first.
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status__in=[RunStatus.PENDING, RunStatus.RUNNING]),
                name="one_live_run_per_period",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="run_period_is_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.period:%Y-%m} ({self.status})"


class BillingRunStudio(models.Model):
    """A studio a run has to bill. Counting these rows, not task deliveries, keeps progress
    right when a task is delivered twice."""

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="studios")
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(
        default=list, blank=True, help_text="What billing the studio could not do (at most 50, then a count)"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "studio"], name="run_studio_unique")]

    def __str__(self) -> str:
        return f"{self.run.public_id} {self.studio_id}"


class UnbilledMark(models.Model):
    """Where the next billing run starts reading a studio's usage lines (`billable.reading`).

    The promise it keeps: every accepted line of the studio with an id up to `lines_through` and
    a use date before `unbilled_from` has a standing charge. A run sets both under the studio's
    lock (the date: the oldest line it read and left unbilled, else the day after its period);
    voiding a document lowers the date to its oldest released line's; lines stored since carry
    larger ids (they are stored under the same lock), so a run reads from their oldest use date
    too. Without this a run read every month the studio ever reported, and its cost grew with
    the studio's history, not its month. No row: never billed since it existed; read every line."""

    studio = models.OneToOneField("parties.Studio", on_delete=models.CASCADE, primary_key=True, related_name="+")
    unbilled_from = models.DateField()
    lines_through = models.BigIntegerField(help_text="The studio's newest usage line id when the date was set")
    # The same for credits: every retraction of the studio (usage.Retraction) with an id up to
    # this one whose line has a standing charge has a standing credit. A run sets it under the
    # studio's lock to just before the oldest retraction it read and left owed (else the newest
    # it read); voiding a credit note lowers it to just before its lines' retractions.
    retractions_through = models.BigIntegerField(
        default=0, help_text="The newest of the studio's retractions up to which every charge is credited"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.studio_id}: from {self.unbilled_from} (lines through {self.lines_through})"


class Invoice(models.Model):
    # total = performer_pay + ph_contributions + fund_royalties is kept by services._set_totals
    # and checked by property tests, not by a CHECK constraint: SQLite compares decimals as floats.
    public_id = models.CharField(max_length=40, unique=True, default=new_invoice_id, editable=False)
    number = models.CharField(
        max_length=32, unique=True, null=True, blank=True, help_text="Gap-free per year, given at finalization"
    )
    document_type = models.CharField(max_length=16, choices=DocumentType.choices, default=DocumentType.INVOICE)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="invoices")
    period = models.DateField()
    run = models.ForeignKey(BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="For a credit or debit note: the document it corrects",
    )
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    currency = models.CharField(max_length=3)
    performer_pay = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    ph_contributions = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    fund_royalties = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField()
    finalized_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="For a debit note: why it was issued")
    # Receivables: set when the document is finalized, from its agreement's payment terms.
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    terms_agreement = models.ForeignKey(
        "terms.Agreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agreement whose payment terms the document carries",
    )
    payment_terms = models.JSONField(default=dict, blank=True, help_text="The payment terms copied at finalization")
    balance = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="What is still owed: the total less payments applied (negative for an unapplied credit note)",
    )
    interest = models.DecimalField(max_digits=14, decimal_places=2, default=0, help_text="Late-payment interest")
    interest_month = models.DateField(
        null=True, blank=True, help_text="For a late-interest debit note: the first day of the month it charges"
    )

    class Meta:
        ordering = ["-period", "-id"]
        constraints = [
            # What a billing run writes is unique per studio, period, kind and currency. A voided
            # document steps aside so that re-running its period bills its released lines again;
            # debit notes are issued by staff, as many as corrections need.
            models.UniqueConstraint(
                fields=["studio", "period", "document_type", "currency"],
                condition=Q(document_type__in=[DocumentType.INVOICE, DocumentType.CREDIT_NOTE])
                & ~Q(status=InvoiceStatus.VOID),
                name="one_document_per_studio_period_kind",
            ),
            # The monthly interest task, run twice for a month (or by two workers), makes one
            # note: a voided note (interest waived) still holds the month.
            models.UniqueConstraint(
                fields=["studio", "currency", "interest_month"],
                condition=Q(interest_month__isnull=False),
                name="one_interest_note_per_studio_month",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "finalized_at"]),
            models.Index(fields=["studio", "due_date"], condition=~Q(balance=0), name="invoice_open_by_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.number or self.public_id}"


# Invoice lines that stand: a voided document's lines are released, and a debit note's lines add
# to a charge rather than make one. The condition of the partial unique index
# usage_line_billed_once below, so billing's lookups by it (billable.py) are answered from it.
STANDING = {"released": False, "corrects__isnull": True}

# A standing charge whose rating carried its grant's flat fee: the fee is owed once per grant
# (terms/pricing.py).
FLAT_FEE_CARRIED = Q(is_credit=False, **STANDING, flat_fee=True)


class AppliedTerms(models.Model):
    """Terms a document's lines were priced by (the agreement's terms, the rule, the signed
    compensation: rating_inputs.provenance), kept once per document for the lines that share
    them (about ten lines a copy in a month's run). A copy on every line was more than half of
    the line's size: a million lines wrote 560 MB of it, which PostgreSQL parsed, stored and
    logged once a line. Not kept by month: when a month of lines is detached, the terms stay
    with their document (docs/operators/partitions.md)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="applied_terms")
    terms = models.JSONField(help_text="The agreement terms applied, copied at rating time")

    class Meta:
        verbose_name_plural = "applied terms"

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.terms.get('agreement', '')}"


class InvoiceLine(models.Model):
    """One rated usage line, with its provenance: the usage line, grant, token, rate card row
    and the agreement terms used."""

    # A billing run inserts a row per usage line (a million a month): only the indexes something
    # reads by are kept. Lines are read by invoice, by performer (statements, the composite
    # index) and by usage line through the partial unique index below; rate card and agreement
    # are provenance, never looked up from, and grant only for the few lines that carry a flat
    # fee (a partial index of them alone). The index by invoice carries the id after it,
    # so a page of a document's lines (in id order, from a cursor) is read from the index alone
    # rather than by sorting the document's 70,000 lines: it replaces the plain FK index.
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines", db_index=False)
    # Usage lines are partitioned by use month on PostgreSQL: the foreign key is (usage_line,
    # usage_line_use_date), declared by migration (usage 0006) since Django has no composite one.
    usage_line = models.ForeignKey(
        "usage.UsageLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        db_index=False,
        db_constraint=False,
        help_text="Empty for a residuals or interest line: source_ref or charged_document says what it bills",
    )
    usage_line_use_date = models.DateField(null=True, blank=True, editable=False)
    is_credit = models.BooleanField(default=False)
    is_adjustment = models.BooleanField(default=False, help_text="Use dated before the period (late usage)")
    released = models.BooleanField(
        default=False, help_text="Its document was voided: the usage line may be billed (or credited) again"
    )
    # Invoice lines are partitioned by `month` on PostgreSQL: a debit line names its charge by
    # (corrects, corrects_month), a composite key declared by migration (billing 0008).
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="debits",
        db_index=False,
        db_constraint=False,
        help_text="For a debit note line: the charged line it adds to",
    )
    corrects_month = models.DateField(null=True, blank=True, editable=False)
    month = models.DateField(
        editable=False,
        help_text="The month the line is kept under: its usage line's month of use, else its document's period",
    )
    performer = models.ForeignKey(
        "parties.Performer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        db_index=False,
    )
    grant = models.ForeignKey(
        "consent.ConsentGrant", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    token_jti = models.CharField(max_length=40, blank=True)
    rate_card = models.ForeignKey(
        "terms.RateCard", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    agreement = models.ForeignKey(
        "terms.Agreement", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    applied_terms = models.ForeignKey(
        AppliedTerms,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The agreement terms applied, copied at rating time (shared by the document's lines priced alike)",
    )
    # Copied from the terms for the partial index of the charges that carry a grant's flat fee
    # (FLAT_FEE_CARRIED): an index cannot look into another table.
    flat_fee = models.BooleanField(default=False, help_text="Its terms carried its grant's flat fee")
    source_ref = models.CharField(
        max_length=40, blank=True, help_text="A residuals line: the bonus distribution or training licence it bills"
    )
    charged_document = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="An interest line: the overdue document whose balance bore it",
    )
    interest = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    description = models.CharField(max_length=500)
    explanation = models.TextField(max_length=2000)
    performer_pay = models.DecimalField(max_digits=14, decimal_places=2)
    ph_contribution = models.DecimalField(max_digits=14, decimal_places=2)
    fund_shares = models.JSONField(default=dict, help_text="Fund code -> amount (decimal string)")
    fund_total = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice_id", "id"]
        constraints = [
            # A usage line is charged at most once and credited at most once, on documents that
            # stand: a voided document's lines are released, and a debit note's lines add to a
            # charge rather than repeat it.
            # With the month, which the usage line decides: a unique index on a partitioned
            # table includes its partition key.
            models.UniqueConstraint(
                fields=["usage_line", "is_credit", "month"],
                condition=Q(**STANDING),
                name="usage_line_billed_once",
            ),
            models.CheckConstraint(
                condition=Q(usage_line_use_date__isnull=True) | Q(month=TruncMonth("usage_line_use_date")),
                name="invoice_line_month_of_use",
            ),
            models.CheckConstraint(
                condition=both_or_neither("corrects", "corrects_month"), name="invoice_line_correction_dated"
            ),
            # A usage line is named with its use date, on both backends (the composite foreign
            # key checks the pair on PostgreSQL).
            models.CheckConstraint(
                condition=both_or_neither("usage_line", "usage_line_use_date"), name="invoice_line_usage_line_dated"
            ),
        ]
        indexes = [
            models.Index(fields=["invoice", "id"], name="invoiceline_by_invoice"),
            models.Index(fields=["performer", "invoice"]),
            models.Index(fields=["corrects"], condition=Q(corrects__isnull=False), name="invoiceline_debits"),
            # The standing charges that carry a grant's flat fee (rating_inputs.FlatFeesCarried):
            # one a flat-fee grant, so the index stays as small as the grants are few.
            models.Index(fields=["grant"], condition=FLAT_FEE_CARRIED, name="invoiceline_flat_fees"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def terms_used(self) -> dict:
        """The terms the line was priced by (read its lines with `applied_terms` selected)."""
        return self.applied_terms.terms


class InvoiceNumberSequence(models.Model):
    """The last number given in a year; read and bumped under a row lock, so numbers never skip."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class LedgerAccount(models.Model):
    code = models.CharField(max_length=64, unique=True, help_text="e.g. receivable:std_…, fund:health_plan")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    studio = models.ForeignKey("parties.Studio", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    performer = models.ForeignKey(
        "parties.Performer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class JournalEntry(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_entry_id, editable=False)
    posted_at = models.DateTimeField()
    memo = models.CharField(max_length=500)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    posted_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.public_id}: {self.memo}"


class Posting(models.Model):
    """One leg of an entry: positive = debit, negative = credit. An entry's legs sum to zero."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount}"


class Payment(models.Model):
    """Money a studio paid, as staff recorded it from the bank. Its reference is unique per
    studio: recording the same payment again (a double click, two clerks, a retried request)
    finds the first. What is not applied to documents stays as the studio's credit."""

    public_id = models.CharField(max_length=40, unique=True, default=new_payment_id, editable=False)
    studio = models.ForeignKey("parties.Studio", on_delete=models.PROTECT, related_name="payments")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    received_on = models.DateField()
    reference = models.CharField(max_length=100, help_text="The bank's or the studio's reference for the payment")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    unapplied = models.DecimalField(max_digits=14, decimal_places=2, help_text="Kept as the studio's credit")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=200)
    journal_entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "reference"], name="payment_reference_once_per_studio"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(condition=Q(unapplied__gte=0), name="payment_unapplied_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.amount} {self.currency} ({self.reference})"


class PaymentApplication(models.Model):
    """Part of a payment applied to one document, with the ledger entry that moved it from the
    studio's credit to the document's receivable."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="applications")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="applications")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    applied_on = models.DateField(help_text="From this day the document's balance is lower (interest stops on it)")
    applied_at = models.DateTimeField()
    journal_entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["applied_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="application_positive")]

    def __str__(self) -> str:
        return f"{self.payment.public_id} -> {self.invoice}: {self.amount}"


class PayoutRun(models.Model):
    """A payout run: every performer and fund payable in a currency settled at once, and the
    remittance file the bank pays from. Its key makes a retried run find the first."""

    public_id = models.CharField(max_length=40, unique=True, default=new_payout_run_id, editable=False)
    key = models.CharField(max_length=100, unique=True, help_text="e.g. 2026-12 USD: one run per key")
    currency = models.CharField(max_length=3)
    paid_on = models.DateField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.key})"


class Payout(models.Model):
    """One payee's payment in a run (a performer, or a union fund), and its ledger entry."""

    run = models.ForeignKey(
        PayoutRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
        help_text="Empty: paid by hand",
    )
    payee_kind = models.CharField(max_length=16, choices=PayeeKind.choices)
    performer = models.ForeignKey(
        "parties.Performer", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    fund = models.CharField(max_length=40, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    journal_entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_positive"),
            models.CheckConstraint(
                condition=Q(payee_kind=PayeeKind.PERFORMER, performer__isnull=False)
                | Q(payee_kind=PayeeKind.FUND, performer__isnull=True),
                name="payout_names_its_payee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run.public_id if self.run_id else 'by hand'}: {self.performer or self.fund} {self.amount}"


class DocumentReminder(models.Model):
    """One step of a document's reminder schedule, sent once: the unique step is what makes a
    reminder task that runs twice (or on two workers) remind once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    days_overdue = models.PositiveSmallIntegerField(help_text="The schedule step: days past the due date")
    balance = models.DecimalField(max_digits=14, decimal_places=2)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["invoice_id", "days_overdue"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "days_overdue"], name="reminder_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} +{self.days_overdue}d"
