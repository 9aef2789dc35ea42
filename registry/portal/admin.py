"""Staff side of the portal: invite performers and representatives, approve join requests.

Records are read-only here; invitations and decisions go through portal.services, which
write the audit entries and send the emails.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from registry.core.errors import DomainError
from registry.core.vocabulary.portal import JoinRequestStatus
from registry.parties.callers import caller_for_user
from registry.parties.models import Performer, Representative
from registry.portal import services
from registry.portal.models import JoinRequest, PortalInvitation


class InviteForm(forms.Form):
    performer = forms.ModelChoiceField(
        queryset=Performer.objects.filter(date_of_death__isnull=True),
        required=False,
        help_text="Invite a performer to their own portal… (a minor's invitation goes to their guardian: a minor "
        "acts only through them)",
    )
    representative = forms.ModelChoiceField(
        queryset=Representative.objects.filter(revoked_at__isnull=True).select_related("performer"),
        required=False,
        help_text="…or a guardian, agent, lawyer or estate executor to act for their performer.",
    )
    email = forms.EmailField(required=False, help_text="Leave empty to use the email on their record.")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("performer")) == bool(cleaned.get("representative")):
            raise forms.ValidationError("Choose either a performer or a representative.")
        return cleaned


@admin.register(PortalInvitation)
class PortalInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "party", "sent_at", "sent_by", "accepted_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "performer__legal_name", "representative__name"]
    readonly_fields = [
        "user",
        "performer",
        "representative",
        "join_request",
        "email",
        "sent_at",
        "sent_by",
        "accepted_at",
    ]
    actions = ["send_again"]

    @admin.display(description="for")
    def party(self, obj: PortalInvitation) -> str:
        return obj.party_name

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        custom = [path("invite/", self.admin_site.admin_view(self.invite_view), name="portal_portalinvitation_invite")]
        return custom + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return redirect(reverse("admin:portal_portalinvitation_invite"))

    def invite_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST or None, initial=request.GET.dict() or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            actor = caller_for_user(request.user).actor()
            try:
                if data["performer"]:
                    invitation = services.performer_invite(
                        performer=data["performer"], email=data["email"], actor=actor
                    )
                else:
                    invitation = services.representative_invite(
                        representative=data["representative"], email=data["email"], actor=actor
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self._tell_sent(request, invitation, asked_for=data["performer"])
                return redirect(reverse("admin:portal_portalinvitation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Invite to the performer portal",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/portal/portalinvitation/invite.html", context)

    def _tell_sent(self, request, invitation: PortalInvitation, *, asked_for=None) -> None:
        """Say where the invitation went; loudly when staff invited a minor and it went to the
        guardian instead."""
        if asked_for is not None and invitation.representative_id is not None:
            guardian = invitation.representative
            self.message_user(
                request,
                f"{asked_for.legal_name} is a minor: a minor acts only through their guardian, so the invitation "
                f"went to their guardian {guardian.name} at {invitation.email}, not to {asked_for.legal_name}.",
                messages.WARNING,
            )
            return
        self.message_user(request, f"Invitation sent to {invitation.email}.", messages.SUCCESS)

    @admin.action(description="Send the selected invitations again", permissions=["add"])
    def send_again(self, request, queryset):
        actor = caller_for_user(request.user).actor()
        for invitation in queryset.filter(accepted_at__isnull=True):
            try:
                if invitation.performer_id:
                    services.performer_invite(performer=invitation.performer, email=invitation.email, actor=actor)
                else:
                    services.representative_invite(
                        representative=invitation.representative, email=invitation.email, actor=actor
                    )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(request, f"Invitation sent again to {invitation.email}.", messages.SUCCESS)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "member_number", "email", "date_of_birth", "status", "submitted_at", "matches"]
    list_filter = ["status"]
    search_fields = ["legal_name", "member_number", "email"]
    readonly_fields = [
        "member_number",
        "legal_name",
        "email",
        "date_of_birth",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_note",
    ]
    actions = ["approve", "reject"]

    @admin.display(description="matches the record?")
    def matches(self, obj: JoinRequest) -> str:
        problems = services.join_request_mismatches(obj)
        return "yes" if not problems else "; ".join(p.message for p in problems)

    def has_add_permission(self, request) -> bool:
        return False  # performers ask to join from the portal

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Approve and send a portal invitation", permissions=["view"])
    def approve(self, request, queryset):
        self._require_admin(request)
        actor = caller_for_user(request.user).actor()
        for join_request in queryset.filter(status=JoinRequestStatus.PENDING):
            try:
                invitation = services.join_request_approve(join_request=join_request, actor=actor)
            except DomainError as exc:
                self.message_user(request, f"{join_request.legal_name}: not approved. {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Invitation sent to {invitation.email}.", messages.SUCCESS)

    @admin.action(description="Reject (the details do not match)", permissions=["view"])
    def reject(self, request, queryset):
        self._require_admin(request)
        actor = caller_for_user(request.user).actor()
        for join_request in queryset.filter(status=JoinRequestStatus.PENDING):
            services.join_request_reject(join_request=join_request, note="Rejected by staff", actor=actor)
        self.message_user(request, "Rejected.", messages.SUCCESS)

    def _require_admin(self, request) -> None:
        # Deciding needs the add permission on invitations (union_admin), not just viewing.
        if not request.user.has_perm("portal.add_portalinvitation"):
            raise PermissionDenied
