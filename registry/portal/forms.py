"""Portal forms. They parse and validate input only; views hand the cleaned data to services,
and `add_service_error` turns what a service refuses into errors on the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm, UsernameField
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.consent.choices import CompensationUnit, ContentCategory, UseType
from registry.core.errors import DomainError
from registry.core.forms import DateField, DecimalField
from registry.parties.models import RepresentativeKind
from registry.portal import throttle


def add_service_error(form: forms.Form, error: DomainError | ValidationError, field_map: dict | None = None) -> None:
    """Put a service's refusal on the form: each named problem on its field when the form has
    it, everything else at the top."""
    field_map = field_map or {}
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = field_map.get(name, name)
                form.add_error(target if target in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return
    if not error.problems:
        form.add_error(None, error.message)
        return
    for problem in error.problems:
        target = field_map.get(problem.field, problem.field)
        form.add_error(target if target in form.fields else None, problem.message)


def client_address(request) -> str | None:
    """The client's address as recorded on signatures: the first X-Forwarded-For hop only when
    the deployment says a proxy sets it (TRUST_X_FORWARDED_FOR), else the socket's peer."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.split(",")[0].strip():
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


# --- Signing in -------------------------------------------------------------------------------
# Hashing a password costs in proportion to its length: a megabyte-long one would tie a worker up.
PASSWORD_MAX_LENGTH = 1024


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refused for a while after repeated failures."""

    username = UsernameField(max_length=254, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label="Password", strip=False, max_length=PASSWORD_MAX_LENGTH, widget=forms.PasswordInput
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email or username and password do not match. Check them and try again.",
        "throttled": (
            "Too many failed attempts to sign in to this account. For your security, wait %(minutes)s "
            "minutes before trying again, or reset your password."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email or username"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else None
        lock = throttle.lock_for(username=username, address=address)
        if lock is not None:
            # Refused before the password is even checked, so guessing gains nothing.
            raise ValidationError(self.error_messages["throttled"], code="throttled", params={"minutes": lock.minutes})
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if username and self.cleaned_data.get("password"):
                throttle.record_failure(username=username, address=address)
            raise error
        throttle.clear(username=username)
        return cleaned


class JoinRequestForm(forms.Form):
    member_number = forms.CharField(
        label="Union member number", max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    legal_name = forms.CharField(
        label="Full legal name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    date_of_birth = DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate() or value.year < 1880:
            raise ValidationError("Give your real date of birth.")
        return value


class WelcomeForm(SetPasswordForm):
    """Accepting an invitation: confirm who you are, then choose a password."""

    date_of_birth = DateField(
        label="Your date of birth",
        help_text="To confirm the invitation reached the right person.",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    confirm_details = forms.BooleanField(label="These details are mine and correct.", required=True)

    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=SetPasswordForm.base_fields["new_password1"].help_text,
    )
    new_password2 = forms.CharField(
        label="New password confirmation",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = ["date_of_birth", "confirm_details", "new_password1", "new_password2"]

    def __init__(self, user, *args, expected_birth_date: dt.date | None = None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.expected_birth_date = expected_birth_date
        if expected_birth_date is None:  # a representative: their own birth date is not on record
            del self.fields["date_of_birth"]

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value != self.expected_birth_date:
            raise ValidationError(
                "This date of birth does not match the union's record. Check it, or contact union staff."
            )
        return value


# --- Answering requests -----------------------------------------------------------------------
class AcceptForm(forms.Form):
    description_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", max_length=64, widget=forms.HiddenInput)
    full_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    represented_by = forms.CharField(
        label="Advised by (optional)",
        help_text="Your union representative or counsel, if someone advised you on this consent.",
        max_length=200,
        required=False,
    )
    confirm = forms.BooleanField(
        label="I have read the whole description and I consent to exactly this use.", required=True
    )

    def __init__(self, *args, accepted_names: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted_names = accepted_names or []

    def clean_full_name(self):
        from registry.portal.services import normalise_name

        typed = " ".join(self.cleaned_data["full_name"].split())
        if self.accepted_names and normalise_name(typed) not in {normalise_name(n) for n in self.accepted_names}:
            raise ValidationError(f"Type your full name as it is on record: {self.accepted_names[0]}.")
        return typed


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why do you decline?",
        help_text="The studio sees this.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GrantActionForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the studio sees this)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(label="I understand the effect described above.", required=True)

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


# --- Preferences ------------------------------------------------------------------------------
class PreferencesForm(forms.Form):
    do_not_train = forms.BooleanField(
        label="Do not train: decline every request to train an AI model on my work", required=False
    )
    opt_out_categories = forms.MultipleChoiceField(
        label="Decline requests involving",
        choices=ContentCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    declined_uses = forms.MultipleChoiceField(
        label="Decline these uses automatically",
        choices=UseType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rate_floor_amount = DecimalField(
        label="Amount (leave empty for none)",
        help_text="Requests offering less, in the same currency and unit, are declined automatically.",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    rate_floor_currency = forms.RegexField(
        label="Currency",
        regex=r"^[A-Za-z]{3}$",
        error_messages={"invalid": "Use a three-letter currency code such as USD."},
        required=False,
        max_length=3,
    )
    rate_floor_unit = forms.ChoiceField(label="Per", choices=[("", "—"), *CompensationUnit.choices], required=False)

    def clean_rate_floor_currency(self):
        return (self.cleaned_data.get("rate_floor_currency") or "").upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rate_floor_amount") is not None:
            if not cleaned.get("rate_floor_currency"):
                self.add_error("rate_floor_currency", "Give the currency of your rate floor.")
            if not cleaned.get("rate_floor_unit"):
                self.add_error("rate_floor_unit", "Say what the rate floor is per (day, session, ...).")
        return cleaned


class RepresentativeForm(forms.Form):
    """A performer authorising an agent or a lawyer. Guardians and estates are established by
    union staff from documents."""

    kind = forms.ChoiceField(
        label="Acts as",
        choices=[(RepresentativeKind.AGENT, "Agent"), (RepresentativeKind.LAWYER, "Lawyer")],
    )
    name = forms.CharField(label="Their full name", max_length=200)
    email = forms.EmailField(label="Their email", max_length=254)
    valid_from = DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = DateField(label="Until (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    authority_document = forms.CharField(
        label="What authorises them",
        help_text="For example: agency agreement of 3 March 2026.",
        max_length=500,
    )
