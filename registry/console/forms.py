"""Forms of the staff console: bad input is a form error, never an error page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils import timezone

from registry.billing.periods import parse_period
from registry.core import limits
from registry.core.errors import InvalidInputError
from registry.core.forms import DateField
from registry.core.sign_in import THROTTLED_MESSAGE, ThrottledSignInForm
from registry.core.vocabulary.usage import ExemptionReview

# A year of usage lines is millions of rows: wider exports are split by the caller.
MAX_EXPORT_DAYS = 366


class StaffSignInForm(ThrottledSignInForm, AdminAuthenticationForm):
    """/admin/login/: the admin's own form (staff accounts only), counted against the same
    sign-in limit as the portal's page."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED_MESSAGE}


def previous_month() -> tuple[dt.date, dt.date]:
    first_this = timezone.localdate().replace(day=1)
    last_prev = first_this - dt.timedelta(days=1)
    return last_prev.replace(day=1), last_prev


class PeriodForm(forms.Form):
    start = DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    fund = forms.ChoiceField(
        label="Fund (remittance only)", required=False, help_text="Empty: every fund, each with its total"
    )

    def __init__(self, *args, funds: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = [("", "every fund"), *[(f, f.replace("_", " ")) for f in funds]]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error("end", f"At most {MAX_EXPORT_DAYS} days at a time.")
        return cleaned


class UntilForm(forms.Form):
    """The last month the dashboard's charts show."""

    until = forms.CharField(label="Charts up to (YYYY-MM)", max_length=7, required=False)

    def clean_until(self) -> dt.date | None:
        text = self.cleaned_data["until"].strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except InvalidInputError as exc:
            raise forms.ValidationError(str(exc)) from exc


class AsOfForm(forms.Form):
    """The day open balances are aged to."""

    as_of = forms.DateField(
        label="Aged on (YYYY-MM-DD)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_as_of(self) -> dt.date | None:
        day = self.cleaned_data["as_of"]
        if day is None:
            return None
        try:
            return limits.check_date(day)
        except limits.InputFault as fault:
            raise forms.ValidationError(str(fault)) from fault


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits your app shows.")
        return token


class ExemptionReviewForm(forms.Form):
    """A union admin's decision on a claimed alteration exemption (DOMAIN.md 2.7)."""

    line = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=ExemptionReview.choices)
    reason = forms.CharField(max_length=500, required=False, strip=True, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == ExemptionReview.REJECTED and not data.get("reason"):
            self.add_error("reason", "Say why the exemption is rejected; the studio and the performer will read it.")
        return data
