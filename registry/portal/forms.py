"""Portal forms. They parse and validate input only; views hand the cleaned data to services,
and `add_service_error` turns what a service refuses into errors on the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.core import throttle
from registry.core.errors import DomainError
from registry.core.forms import DateField, DecimalField
from registry.core.sign_in import PASSWORD_MAX_LENGTH, ThrottledSignInForm
from registry.core.vocabulary.consent import CompensationUnit, ContentCategory, UseType
from registry.core.vocabulary.parties import RepresentativeKind
from registry.portal.wording import Whom


def service_errors(
    form: forms.Form, error: DomainError | ValidationError, field_map: dict | None = None
) -> list[tuple[str | None, str]]:
    """A service's refusal as (field, message) pairs: each named problem on its field when the
    form has it, everything else at the top (None)."""
    field_map = field_map or {}

    def target(name):
        name = field_map.get(name, name)
        return name if name in form.fields else None

    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [(target(name), m) for name, errors in error.error_dict.items() for m in ValidationError(errors)]
        return [(None, m) for m in error]
    if not error.problems:
        return [(None, error.message)]
    return [(target(problem.field), problem.message) for problem in error.problems]


def add_service_error(form: forms.Form, error: DomainError | ValidationError, field_map: dict | None = None) -> None:
    """Put a service's refusal on the form (see `service_errors`)."""
    for field, message in service_errors(form, error, field_map):
        form.add_error(field, message)


# --- Signing in -------------------------------------------------------------------------------
class SignInForm(ThrottledSignInForm):
    error_messages = {
        **ThrottledSignInForm.error_messages,
        "invalid_login": "That email or username and password do not match. Check them and try again.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email or username"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


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


class PortalSetPasswordForm(SetPasswordForm):
    """Django's form, with a password the validators refuse (too short, too like the username)
    shown under the password itself, not under its confirmation; both fields bounded."""

    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=SetPasswordForm.base_fields["new_password1"].help_text,
        error_messages={"required": "Choose a password."},
    )
    new_password2 = forms.CharField(
        label="New password confirmation",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the same password again."},
    )

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class WelcomeForm(PortalSetPasswordForm):
    """Accepting an invitation: confirm who you are, then choose a password."""

    date_of_birth = DateField(
        label="Your date of birth",
        help_text="To confirm the invitation reached the right person.",
        error_messages={"required": "Enter your date of birth."},
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    confirm_details = forms.BooleanField(
        label="These details are mine and correct.",
        error_messages={"required": "Tick the box to confirm these details are yours."},
    )

    field_order = ["date_of_birth", "confirm_details", "new_password1", "new_password2"]

    def __init__(self, user, *args, expected_birth_date: dt.date | None = None, address: str | None = None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.expected_birth_date = expected_birth_date
        self.address = address
        if expected_birth_date is None:  # a representative: their own birth date is not on record
            del self.fields["date_of_birth"]

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        account = str(self.user.pk)
        lock = throttle.lock_for(throttle.BIRTH_DATE, account=account, address=self.address)
        if lock is not None:
            # Refused before the date is compared, so further guesses learn nothing.
            raise ValidationError(
                "Too many wrong dates of birth for this invitation. Wait %(minutes)s minutes and try again, "
                "or contact union staff.",
                code="throttled",
                params={"minutes": lock.minutes},
            )
        if value != self.expected_birth_date:
            throttle.record(throttle.BIRTH_DATE, account=account, address=self.address)
            raise ValidationError(
                "This date of birth does not match the union's record. Check it, or contact union staff."
            )
        throttle.clear(throttle.BIRTH_DATE, account=account)
        return value


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, with its email bounded and its links made from REGISTRY_BASE_URL."""

    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def save(self, **kwargs):
        # Django builds the link from the request's Host header, which the sender of the request
        # chooses: a forged Host would put a link to the sender's server, carrying the reset
        # token, in a real user's mailbox. The public address is configured, not asked.
        parts = urlsplit(settings.REGISTRY_BASE_URL)
        kwargs.update(domain_override=parts.netloc, use_https=parts.scheme == "https")
        extra = kwargs.get("extra_email_context") or {}
        kwargs["extra_email_context"] = {**extra, "base_url": settings.REGISTRY_BASE_URL}
        return super().save(**kwargs)


# --- Answering requests -----------------------------------------------------------------------
class AcceptForm(forms.Form):
    description_sha256 = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={
            "required": "The page was incomplete: reload it, read the description and sign again.",
            "invalid": "The page was incomplete: reload it, read the description and sign again.",
        },
    )
    full_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={"required": "Type your full name to sign."},
    )
    represented_by = forms.CharField(
        label="Advised by (optional)",
        help_text="Your union representative or counsel, if someone advised you on this consent.",
        max_length=200,
        required=False,
    )
    confirm = forms.BooleanField(
        label="I have read the whole description and I consent to exactly this use.",
        error_messages={"required": "Tick the box to confirm you have read the description and consent to this use."},
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
        error_messages={"required": "Say why you decline: the studio sees the reason."},
    )


class GrantActionForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text="The studio sees it.",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label="I understand the effect described above.",
        error_messages={"required": "Tick the box to confirm you understand the effect."},
    )

    def __init__(self, *args, reason_required: bool = False, action_words: str = "this", **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.required = reason_required
        # Whether a reason is needed is said before anyone is refused for leaving it out.
        reason.label = "Reason (required)" if reason_required else "Reason (optional)"
        reason.error_messages["required"] = (
            f"Give a reason for {action_words}: it is required, and the studio sees it."
        )


# --- Preferences ------------------------------------------------------------------------------
class PreferencesForm(forms.Form):
    do_not_train = forms.BooleanField(label="Do not train", required=False)
    opt_out_categories = forms.MultipleChoiceField(
        label="Decline requests involving",
        choices=ContentCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    declined_uses = forms.MultipleChoiceField(
        label="Decline these uses automatically",
        # Training has its own box above ("Do not train"); listing it twice said the same thing twice.
        choices=[(value, text) for value, text in UseType.choices if value != UseType.TRAINING],
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

    def __init__(self, *args, whom: Whom | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        whom = whom or Whom(is_self=True, name="")
        self.fields[
            "do_not_train"
        ].label = f"Do not train: decline every request to train an AI model on {whom.poss} work"

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


# --- Sharing a proof of consent ---------------------------------------------------------------
# The claims a performer may show, in the words the share page uses (the consent's own names).
SHAREABLE_CLAIMS = [
    ("use", "The use (e.g. voice-only replica)"),
    ("project", "The project"),
    ("media", "Media and platforms"),
    ("territory", "Territory"),
    ("term", "Term (start and end dates)"),
    ("agreement", "The union agreement"),
    ("signer_role", "Who signed"),
    ("compensation", "The fee"),
    ("performer", "My performer id"),
    ("studio", "The studio's id"),
]


class ShareProofForm(forms.Form):
    disclose = forms.MultipleChoiceField(
        label="What to show",
        choices=SHAREABLE_CLAIMS,
        widget=forms.CheckboxSelectMultiple,
        initial=["use", "project"],
        help_text="Everything you leave unticked stays hidden, even from the recipient.",
        error_messages={"required": "Choose at least one thing to show."},
    )
    audience = forms.CharField(
        label="Who it is for",
        max_length=200,
        help_text="Their name or web address. The proof is bound to them: it names them as its recipient.",
    )
    nonce = forms.CharField(
        label="Their challenge code (optional)",
        max_length=100,
        min_length=8,
        required=False,
        help_text="If the recipient gave you a code to include, paste it here; otherwise one is made for you.",
    )

    def clean_nonce(self):
        nonce = self.cleaned_data["nonce"].strip()
        if nonce and any(not 0x21 <= ord(c) <= 0x7E for c in nonce):
            raise ValidationError("Use letters, digits and punctuation only, without spaces.")
        return nonce or None


# --- Privacy ----------------------------------------------------------------------------------
class ErasureForm(forms.Form):
    reason = forms.CharField(
        label="Why (optional)",
        help_text="Union staff read this; it is not shared with studios.",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(label="", error_messages={"required": ""})

    def __init__(self, *args, whom: Whom | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        whom = whom or Whom(is_self=True, name="")
        confirm = self.fields["confirm"]
        confirm.label = (
            f"I ask for {whom.poss} personal data to be erased. I understand that it cannot be undone, and that "
            "signed consents and invoices keep their records with a pseudonym in place of the name."
        )
        confirm.error_messages["required"] = "Tick the box to confirm you ask for erasure."
