"""Email to a studio's billing contacts about an overdue document."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from registry.billing.models import DocumentReminder
from registry.core.vocabulary.parties import ContactRole
from registry.parties.models import StudioContact


def billing_recipients(studio_id: int) -> list[str]:
    """The studio's billing contacts, or every contact when it named none for billing."""
    contacts = list(StudioContact.objects.filter(studio_id=studio_id))
    billing = [c.email for c in contacts if c.role == ContactRole.BILLING]
    return sorted(set(billing or [c.email for c in contacts]))


def send_overdue_reminder(reminder_id: int) -> int:
    reminder = DocumentReminder.objects.select_related("invoice__studio").filter(pk=reminder_id).first()
    if reminder is None:
        return 0
    invoice = reminder.invoice
    to = billing_recipients(invoice.studio_id)
    if not to:
        return 0
    terms = invoice.payment_terms
    body = (
        f"{invoice.get_document_type_display()} {invoice.number} of {invoice.studio.legal_name}, issued "
        f"{invoice.issue_date.isoformat()}, was due on {invoice.due_date.isoformat()} and is "
        f"{reminder.days_overdue} or more days overdue.\n\n"
        f"Open balance when this reminder was sent: {reminder.balance:,.2f} {invoice.currency}.\n"
        f"Late-payment interest: {terms.get('late_interest_monthly_rate', '0')} a month, simple, accrued daily "
        "from the day after the due date, charged monthly on a debit note.\n\n"
        f"The document: {settings.REGISTRY_BASE_URL}/api/v1/invoices/{invoice.public_id}\n"
        "Your statement of account: "
        f"{settings.REGISTRY_BASE_URL}/api/v1/studios/{invoice.studio.public_id}/statement\n\n"
        "If you have paid, please send the payment reference to the union's finance staff.\n"
    )
    return send_mail(
        f"Overdue: {invoice.number} ({reminder.balance:,.2f} {invoice.currency})",
        body,
        settings.DEFAULT_FROM_EMAIL,
        to,
    )
