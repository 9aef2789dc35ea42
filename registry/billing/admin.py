"""Staff views of billing: start a run, read documents and the ledger, record payments.
Documents and postings are never edited here."""

import json
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from registry.billing import corrections, payments, runs, selectors
from registry.billing.models import (
    BillingRun,
    BillingRunStudio,
    DocumentReminder,
    Invoice,
    InvoiceLine,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentApplication,
    Payout,
    PayoutRun,
    Posting,
    UnbilledMark,
)
from registry.billing.periods import parse_period
from registry.core.admin import (
    FirstRowsFormSet,
    IndexedSearchMixin,
    LargeTableAdminMixin,
    ReadOnlyAdminMixin,
    filtered_list_link,
)
from registry.core.caching import no_store
from registry.core.errors import DomainError, InvalidInputError
from registry.core.forms import DecimalField
from registry.core.vocabulary.billing import PaymentMethod
from registry.parties.callers import caller_for_user
from registry.parties.models import Studio


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DebitNoteForm(forms.Form):
    """One corrected line of the invoice: the facts it should have been rated with."""

    line = forms.TypedChoiceField(coerce=int, help_text="The charged line to correct")
    estimated_days = DecimalField(required=False, max_digits=7, decimal_places=2, min_value=Decimal("0.01"))
    units = DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    negotiated_amount = DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        charges = invoice.lines.filter(is_credit=False, corrects__isnull=True, released=False).order_by("pk")
        self.fields["line"].choices = [(il.pk, f"{il.description} ({il.total})") for il in charges[:500]]


class StartRunForm(forms.Form):
    period = forms.CharField(max_length=7, help_text="YYYY-MM, e.g. 2026-10")

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except InvalidInputError as exc:
            raise forms.ValidationError(str(exc)) from exc


class WithErrorsFilter(admin.SimpleListFilter):
    title = "errors"
    parameter_name = "with_errors"

    def lookups(self, request, model_admin):
        return [("yes", "With errors"), ("no", "Without")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(errors=[])
        if self.value() == "no":
            return queryset.filter(errors=[])
        return queryset


@admin.register(BillingRunStudio)
class BillingRunStudioAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each studio of a run, and what the run could not bill for it."""

    list_display = ["studio", "first_error", "error_total", "done_at", "run"]
    list_filter = [WithErrorsFilter]
    list_select_related = ["run", "studio"]
    fields = ["run", "studio", "done_at", "errors"]
    ordering = ["-run_id", "studio_id"]

    @admin.display(description="Errors")
    def error_total(self, row: BillingRunStudio) -> int:
        return len(row.errors)

    @admin.display(description="First error")
    def first_error(self, row: BillingRunStudio) -> str:
        return row.errors[0].get("error", "") if row.errors else ""


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "public_id",
        "period",
        "status",
        "studios_done",
        "studios_total",
        "documents_created",
        "lines_billed",
        "error_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "period"]
    readonly_fields = ["studios_with_errors"]

    @admin.display(description="Studios with errors")
    def studios_with_errors(self, run: BillingRun):
        """The run keeps its first errors; each studio's are on its row, listed a page at a time."""
        if not run.error_count:
            return "none"
        url = (
            reverse("admin:billing_billingrunstudio_changelist")
            + f"?run__id__exact={run.pk}&{WithErrorsFilter.parameter_name}=yes"
        )
        errors = f"{run.error_count} error{pluralize(run.error_count)}"
        return format_html('{} (<a href="{}">each studio\'s, a page at a time</a>)', errors, url)

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("billing.add_billingrun")

    def get_urls(self):
        return [
            path("start/", self.admin_site.admin_view(self.start_view), name="billing_billingrun_start"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect(reverse("admin:billing_billingrun_start"))

    def start_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StartRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            run, created = runs.billing_run_start(
                period=form.cleaned_data["period"], actor=caller_for_user(request.user).actor()
            )
            self.message_user(
                request,
                f"{'Started' if created else 'Already running'}: {run.public_id}.",
                messages.SUCCESS if created else messages.WARNING,
            )
            return redirect(reverse("admin:billing_billingrun_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Start a billing run",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/billingrun/start.html", context)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A document's lines a page at a time (its page links here, filtered to it): an invoice can
    carry 70,000 lines, which no inline can show. Each row's provenance is read in the page's one
    query (selectors.lines_with_provenance)."""

    # What fits 1280 px beside the filters (the grant's id and the flags are on each line's page).
    list_display = [
        "description",
        "invoice",
        "usage_line_ref",
        "performer_ref",
        "rate",
        "performer_pay",
        "ph_contribution",
        "total",
    ]
    list_filter = ["is_credit", "is_adjustment", "released"]
    # Exact ids only: a document's number or id, the studio's usage-line id, a grant's id.
    search_fields = ["=invoice__number", "=invoice__public_id", "=usage_line__line_ref", "=token_jti"]
    search_help_text = "A document number or id, a usage-line id or a grant id, exactly"
    fields = [
        "invoice",
        "description",
        "explanation",
        "usage_line",
        "source_ref",
        "charged_document",
        "corrects",
        "performer",
        "token_jti",
        "rate_card",
        "agreement",
        "terms_used",
        "performer_pay",
        "ph_contribution",
        "fund_shares",
        "fund_total",
        "interest",
        "total",
        "is_credit",
        "is_adjustment",
        "released",
    ]
    readonly_fields = fields
    ordering = ["-id"]

    def get_queryset(self, request):
        return selectors.lines_with_provenance().select_related("invoice")

    @admin.display(description="terms used")
    def terms_used(self, line: InvoiceLine) -> str:
        # As the admin shows a JSON field of the line's own.
        return json.dumps(line.terms_used, ensure_ascii=False)

    @admin.display(description="usage line", ordering="usage_line__line_ref")
    def usage_line_ref(self, line: InvoiceLine) -> str:
        return line.usage_line_ref or "-"

    @admin.display(description="performer")
    def performer_ref(self, line: InvoiceLine) -> str:
        return line.performer_ref or "-"

    @admin.display(description="rate")
    def rate(self, line: InvoiceLine) -> str:
        # The scale the line was priced at, short: the rate row's agreement and dates are on
        # the line's own page (the whole row's name widened the list past 1280 px).
        rc = line.rate_card
        return f"{rc.role_category}/{rc.unit} {rc.amount}" if rc else "-"


class ApplicationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentApplication
    extra = 0
    fields = ["payment", "invoice", "amount", "applied_on", "journal_entry"]
    readonly_fields = fields


class ReminderInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DocumentReminder
    extra = 0
    fields = ["days_overdue", "balance", "sent_at"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "document_type",
        "status",
        "studio",
        "period",
        "currency",
        "total",
        "balance",
        "issue_date",
        "due_date",
    ]
    readonly_fields = ["void_reason", "reason", "payment_terms", "summary", "all_lines"]
    list_filter = ["document_type", "status", "period", "studio", "currency", ("due_date", admin.DateFieldListFilter)]
    search_fields = ["=number", "=public_id", "studio__legal_name"]
    search_help_text = "A document number or id exactly, or part of a studio's name"
    list_select_related = ["studio"]
    # The lines are totalled by group here and listed a page at a time on their own list.
    inlines = [ApplicationInline, ReminderInline]

    @admin.display(description="totals by use, project, role and month")
    def summary(self, invoice: Invoice):
        rows = selectors.invoice_summary(invoice)
        if not rows:
            return "No lines."
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class='num'>{}</td>"
            "<td class='num'>{}</td><td class='num'>{}</td><td class='num'>{}</td></tr>",
            (
                (
                    row["use"] or row["charge"],
                    f"{row['project_title']} ({row['production_number']})" if row["project_title"] else "-",
                    row["role"] or "-",
                    row["month"].strftime("%Y-%m") if row["month"] else "-",
                    f"{row['lines']:,}",
                    f"{row['performer_pay']:,.2f}",
                    f"{row['ph_contribution']:,.2f}",
                    f"{row['total']:,.2f}",
                    row["currency"],
                )
                for row in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>Use</th><th>Project</th><th>Role</th><th>Month</th><th>Lines</th>"
            "<th>Pay</th><th>P&amp;H</th><th>Total</th><th>Currency</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.display(description="lines")
    def all_lines(self, invoice: Invoice):
        return filtered_list_link(InvoiceLine, "invoice", invoice, f"Every line of {invoice}, a page at a time")

    actions = ["mark_paid", "void", "debit_note"]

    @admin.action(description="Issue a debit note for the selected invoice (a line corrected upward)")
    def debit_note(self, request, queryset):
        if not request.user.has_perm("billing.add_invoice"):
            raise PermissionDenied
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one invoice to correct.", messages.WARNING)
            return None
        invoice = queryset.get()
        form = DebitNoteForm(request.POST if "apply" in request.POST else None, invoice=invoice)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": f"Debit note for {invoice}",
                "form": form,
                "invoice": invoice,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/billing/invoice/debit_note.html", context)
        data = form.cleaned_data
        correction = corrections.Correction(
            line=InvoiceLine(pk=data["line"]),
            estimated_days=data["estimated_days"],
            units=data["units"],
            negotiated_amount=data["negotiated_amount"],
        )
        try:
            note = corrections.debit_note_issue(
                original=invoice,
                corrections=[correction],
                reason=data["reason"],
                actor=caller_for_user(request.user).actor(),
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            self.message_user(request, f"{note.number} issued for {note.total} {note.currency}.", messages.SUCCESS)
        return None

    @admin.action(description="Void the selected documents (finalized and unpaid only)", permissions=["view"])
    def void(self, request, queryset):
        """Asks for the reason on a confirmation page, then voids each document in its own
        transaction: one refused (paid, already void, corrected) does not stop the others."""
        if not request.user.has_perm("billing.change_invoice"):
            raise PermissionDenied
        form = VoidForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Void documents",
                "form": form,
                "documents": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/billing/invoice/void.html", context)
        actor = caller_for_user(request.user).actor()
        for invoice in queryset:
            try:
                corrections.invoice_void(invoice=invoice, actor=actor, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(
                    request, f"{invoice.number} voided; its lines will be billed again.", messages.SUCCESS
                )
        return None

    @admin.action(description="Record payment in full of the selected documents' balances", permissions=["view"])
    def mark_paid(self, request, queryset):
        if not request.user.has_perm("billing.change_invoice"):
            raise PermissionDenied
        for invoice in queryset:
            try:
                payments.invoice_mark_paid(invoice=invoice, actor=caller_for_user(request.user).actor())
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(request, f"{invoice.number} marked paid.", messages.SUCCESS)


class PaymentForm(forms.Form):
    studio = forms.ModelChoiceField(queryset=Studio.objects.order_by("legal_name"))
    amount = DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = forms.RegexField(regex=r"^[A-Z]{3}$", initial="USD", max_length=3)
    received_on = forms.DateField(help_text="YYYY-MM-DD: the day the money arrived")
    reference = forms.CharField(max_length=payments.MAX_REFERENCE_LENGTH, help_text="The bank's reference")
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER)
    documents = forms.CharField(
        required=False,
        max_length=4000,
        help_text="Optional: document numbers or ids to apply it to, in order, separated by spaces or commas. "
        "Empty: the open documents, oldest due first.",
    )

    def clean_documents(self):
        words = [w for w in self.cleaned_data["documents"].replace(",", " ").split() if w]
        found = dict(Invoice.objects.filter(number__in=words).values_list("number", "public_id"))
        return tuple(found.get(w, w) for w in words)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "studio", "amount", "currency", "received_on", "reference", "method", "unapplied"]
    list_filter = ["method", "currency", ("received_on", admin.DateFieldListFilter)]
    search_fields = ["public_id", "reference", "studio__legal_name"]
    list_select_related = ["studio"]
    inlines = [ApplicationInline]
    actions = ["apply_credit"]

    @admin.action(
        description="Apply credit: what is left of the selected payments, to open documents oldest due first",
        permissions=["add"],  # offered to those who may record payments, not to analysts
    )
    def apply_credit(self, request, queryset):
        if not request.user.has_perm("billing.add_payment"):
            raise PermissionDenied
        actor = caller_for_user(request.user).actor()
        for payment in queryset:
            try:
                payment = payments.payment_apply(payment=payment, actor=actor)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(
                    request,
                    f"{payment.reference}: credit left {payment.unapplied} {payment.currency}.",
                    messages.SUCCESS,
                )

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("billing.add_payment")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment, created = payments.payment_record(
                    new=payments.NewPayment(
                        studio=data["studio"],
                        amount=data["amount"],
                        currency=data["currency"],
                        received_on=data["received_on"],
                        reference=data["reference"],
                        method=data["method"],
                        documents=data["documents"],
                    ),
                    actor=caller_for_user(request.user).actor(),
                )
            except DomainError as exc:
                for problem in getattr(exc, "problems", None) or []:
                    if problem.field in form.fields:
                        form.add_error(problem.field, problem.message)
                if not form.errors:
                    form.add_error(None, exc.message)
            else:
                applied = ", ".join(f"{a.invoice.number} {a.amount}" for a in payment.applications.all()) or "nothing"
                self.message_user(
                    request,
                    f"{'Recorded' if created else 'Already recorded'}: {payment.reference}, {payment.amount} "
                    f"{payment.currency}; applied to {applied}; credit {payment.unapplied}.",
                    messages.SUCCESS if created else messages.WARNING,
                )
                return redirect(reverse("admin:billing_payment_change", args=[payment.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Record a payment received",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/payment/record.html", context)


class PayoutRunForm(forms.Form):
    currency = forms.RegexField(regex=r"^[A-Z]{3}$", initial="USD", max_length=3)
    paid_on = forms.DateField(help_text="YYYY-MM-DD: the day the bank pays")
    key = forms.CharField(max_length=100, help_text='Names the run, e.g. "2026-12 USD"; a key is paid once')


class PayoutInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payout
    extra = 0
    fields = ["payee_kind", "performer", "fund", "amount", "currency", "journal_entry"]
    readonly_fields = fields


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "key", "currency", "paid_on", "total", "created_at", "created_by"]
    fields = ["public_id", "key", "currency", "paid_on", "total", "created_at", "created_by", "remittance"]
    readonly_fields = fields
    inlines = [PayoutInline]

    @admin.display(description="Remittance file")
    def remittance(self, run):
        url = reverse("admin:billing_payoutrun_remittance", args=[run.pk])
        return format_html('<a href="{}">remittance-{}.csv</a>', url, run.public_id)

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("billing.add_payoutrun")

    def get_urls(self):
        return [
            path(
                "<int:run_id>/remittance.csv",
                # Names and amounts paid: neither a browser nor a proxy keeps a copy.
                self.admin_site.admin_view(no_store(self.remittance_view)),
                name="billing_payoutrun_remittance",
            ),
            *super().get_urls(),
        ]

    def remittance_view(self, request, run_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(PayoutRun, pk=run_id)
        return HttpResponse(
            payments.remittance_csv(run),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="remittance-{run.public_id}.csv"'},
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PayoutRunForm(request.POST or None, initial={"paid_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                run, created = payments.payout_run_create(
                    **form.cleaned_data, actor=caller_for_user(request.user).actor()
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    f"{'Paid' if created else 'Already paid'}: {run.public_id}, {run.payouts.count()} payees, "
                    f"{run.total} {run.currency}.",
                    messages.SUCCESS if created else messages.WARNING,
                )
                return redirect(reverse("admin:billing_payoutrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Pay out performers and funds",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/payoutrun/start.html", context)


class PostingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Posting
    # A billing run's entry has a posting per performer paid: the first rows here, the entry's
    # page counts them all and links to the whole list (JournalEntryAdmin.all_postings).
    formset = FirstRowsFormSet
    verbose_name_plural = f"postings (the first {FirstRowsFormSet.rows})"
    extra = 0
    fields = ["account", "amount", "currency"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The account names each row: read with it, not a query per posting.
        return super().get_queryset(request).select_related("account").order_by("pk")


@admin.register(JournalEntry)
class JournalEntryAdmin(IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "posted_at", "memo", "invoice", "posted_by"]
    list_filter = [
        "invoice__document_type",
        ("invoice", admin.EmptyFieldListFilter),
        "postings__account__kind",
        "postings__currency",
    ]
    # Read by IndexedSearchMixin.get_search_results (search_arms); listed so the box shows.
    search_fields = ["public_id", "invoice", "account"]
    search_help_text = "An entry's id or a document's number exactly, or a ledger account's code exactly"
    date_hierarchy = "posted_at"
    list_select_related = ["invoice"]
    readonly_fields = ["all_postings"]
    inlines = [PostingInline]

    def get_queryset(self, request):
        # Filters on postings join many rows per entry; show each entry once.
        return super().get_queryset(request).distinct()

    def search_arms(self, term: str) -> list:
        return [
            JournalEntry.objects.filter(public_id=term),
            JournalEntry.objects.filter(invoice__in=Invoice.objects.filter(number=term).values("pk")),
            JournalEntry.objects.filter(
                pk__in=Posting.objects.filter(account__code=term).values("entry_id"),
            ),
        ]

    @admin.display(description="all postings")
    def all_postings(self, entry: JournalEntry):
        return filtered_list_link(
            Posting, "entry", entry, "every posting, a page at a time", count=entry.postings.count()
        )


@admin.register(Posting)
class PostingAdmin(IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every leg of the ledger, to follow one account: what was posted to it, when, from what."""

    list_display = ["entry", "posted_at", "account", "amount", "currency"]
    list_filter = ["account__kind", "currency"]
    # Read by IndexedSearchMixin.get_search_results (search_arms); listed so the box shows.
    search_fields = ["account", "entry"]
    search_help_text = "A ledger account's code, an entry's id or a document's number, exactly"

    def search_arms(self, term: str) -> list:
        return [
            Posting.objects.filter(account__in=LedgerAccount.objects.filter(code=term).values("pk")),
            Posting.objects.filter(
                entry__in=JournalEntry.objects.filter(Q(public_id=term) | Q(invoice__number=term)).values("pk")
            ),
        ]

    list_select_related = ["entry", "account"]
    date_hierarchy = "entry__posted_at"

    @admin.display(ordering="entry__posted_at")
    def posted_at(self, posting):
        return posting.entry.posted_at


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "kind", "name", "currency"]
    list_filter = ["kind", "currency"]
    search_fields = ["code", "name"]


@admin.register(UnbilledMark)
class UnbilledMarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Where each studio's next billing run starts reading its lines and its retractions
    (`billable.reading`): the oldest marks first, since theirs are the runs that read the most
    months."""

    list_display = ["studio", "unbilled_from", "lines_seen", "retractions_settled", "updated_at"]
    list_select_related = ["studio"]
    ordering = ["unbilled_from", "studio"]
    search_fields = ["studio__legal_name"]

    @admin.display(description="Lines seen up to (id)", ordering="lines_through")
    def lines_seen(self, obj: UnbilledMark) -> int:
        # A line with a larger id was stored after the run: it is read from its own use date.
        return obj.lines_through

    @admin.display(description="Retractions settled up to (id)", ordering="retractions_through")
    def retractions_settled(self, obj: UnbilledMark) -> int:
        # The next run reads the studio's retractions with a larger id for credits to issue.
        return obj.retractions_through
