"""Joining, signing in and out, accepting an invitation, and resetting a password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from registry.core import throttle
from registry.core.addresses import client_address
from registry.core.errors import DomainError
from registry.portal import services
from registry.portal.forms import (
    JoinRequestForm,
    PasswordResetRequestForm,
    PortalSetPasswordForm,
    SignInForm,
    WelcomeForm,
    add_service_error,
)
from registry.portal.tokens import invitation_tokens


class SignInView(auth_views.LoginView):
    template_name = "portal/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("portal:dashboard")

    def form_invalid(self, form):
        # 400 tells scripts and tests the sign-in failed; browsers show the page as usual.
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:signed-out")


def signed_out(request):
    return render(request, "portal/signed_out.html")


@require_http_methods(["GET", "POST"])
def join(request):
    """Ask to join with a union member number. The answer is the same whether or not the number
    exists: staff check it against the record before anyone is invited."""
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.join_request_submit(**form.cleaned_data)
            return redirect("portal:join-sent")
        return render(request, "portal/join.html", {"form": form}, status=400)
    return render(request, "portal/join.html", {"form": form})


def join_sent(request):
    return render(request, "portal/join_sent.html")


def _invited_user(uidb64: str, token: str):
    try:
        user = get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        return None
    return user if invitation_tokens.check_token(user, token) else None


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def welcome(request, uidb64: str, token: str):
    """The invitation link: confirm who you are and choose a password, then you are signed in."""
    user = _invited_user(uidb64, token)
    invitation = services.open_invitation_for(user) if user is not None else None
    if invitation is None:
        return render(request, "portal/welcome_invalid.html", status=400)
    performer = invitation.performer
    form = WelcomeForm(
        user,
        request.POST or None,
        expected_birth_date=performer.date_of_birth if performer is not None else None,
        address=client_address(request),
    )
    context = {"form": form, "invitation": invitation}
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.invitation_accept(invitation=invitation, password=form.cleaned_data["new_password1"])
            except DomainError as error:
                add_service_error(form, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Welcome. Your password is set and you are signed in.")
                return redirect("portal:dashboard")
        return render(request, "portal/welcome.html", context, status=400)
    return render(request, "portal/welcome.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("portal:password-reset-sent")

    def form_valid(self, form):
        # Every request counts, whether or not the email has an account, so the limit says
        # nothing about who is registered; each one would send an email otherwise.
        email = form.cleaned_data["email"]
        address = client_address(self.request)
        lock = throttle.lock_for(throttle.PASSWORD_RESET, account=email, address=address)
        if lock is not None:
            form.add_error(
                None,
                f"Too many password-reset requests for this email address or from your network. Wait "
                f"{lock.minutes} minutes and try again; a link already sent keeps working.",
            )
            return self.form_invalid(form)
        throttle.record(throttle.PASSWORD_RESET, account=email, address=address)
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("portal:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
