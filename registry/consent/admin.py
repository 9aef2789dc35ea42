"""Staff views of consent. Records are read-only here; strikes are declared and lifted through
the same services the API uses, with a preview of what a strike would suspend."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from registry.consent import services
from registry.consent.models import (
    ConsentGrant,
    ConsentRequest,
    DescriptionVersion,
    GrantStatusChange,
    PerformerPreferences,
    Signature,
    Strike,
    StrikeJob,
    Suspension,
)
from registry.core.admin import ReadOnlyAdminMixin
from registry.core.errors import DomainError
from registry.core.vocabulary.consent import StrikeJobStatus
from registry.parties.callers import caller_for_user
from registry.parties.models import Studio
from registry.terms.models import Agreement


class DescriptionVersionInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = DescriptionVersion
    extra = 0
    fields = ["version", "sha256", "content", "created_at"]
    readonly_fields = fields


class SignatureInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = Signature
    extra = 0
    fields = [
        "signer_role",
        "signer_name",
        "representative",
        "method",
        "description_sha256",
        "attestation_text",
        "represented_by",
        "signed_at",
        "client_ip",
        "user_agent",
    ]
    readonly_fields = fields


@admin.register(ConsentRequest)
class ConsentRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "status", "use", "studio", "performer", "agreement", "requested_at", "expires_at"]
    list_filter = ["status", "use", "agreement", "studio", "auto_declined", "requested_at"]
    search_fields = [
        "public_id",
        "performer__legal_name",
        "performer__member_number",
        "studio__legal_name",
        "project_title",
        "production_number",
    ]
    date_hierarchy = "requested_at"
    inlines = [DescriptionVersionInline, SignatureInline]
    list_select_related = ["studio", "performer", "agreement"]


class GrantStatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GrantStatusChange
    extra = 0
    fields = ["at", "from_status", "to_status", "reason", "strike"]
    readonly_fields = fields


class SuspensionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Suspension
    extra = 0
    fields = ["cause", "strike", "reason", "started_at", "ended_at"]
    readonly_fields = fields


@admin.register(ConsentGrant)
class ConsentGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "public_id",
        "version",
        "status",
        "use",
        "studio",
        "performer",
        "agreement",
        "term_start",
        "term_end",
    ]
    list_filter = ["status", "use", "agreement", "studio", "signer_role", "activated_at", "term_end"]
    date_hierarchy = "activated_at"
    search_fields = [
        "public_id",
        "lineage_id",
        "performer__legal_name",
        "performer__member_number",
        "studio__legal_name",
        "project_title",
        "production_number",
    ]
    inlines = [GrantStatusChangeInline, SuspensionInline]
    list_select_related = ["studio", "performer", "agreement"]


@admin.register(PerformerPreferences)
class PerformerPreferencesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["performer", "do_not_train", "updated_at"]
    list_filter = ["do_not_train"]
    search_fields = ["performer__legal_name", "performer__member_number"]


class StrikeDeclareForm(forms.Form):
    agreement = forms.ModelChoiceField(queryset=Agreement.objects.all())
    studios = forms.ModelMultipleChoiceField(queryset=Studio.objects.all(), widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    starts_at = forms.DateTimeField(required=False, help_text="Empty = now. A later start applies automatically.")


class _FirstRowsFormSet(BaseInlineFormSet):
    """A read-only inline that shows its first rows only: a strike can suspend 100,000 grants."""

    rows = 100

    def get_queryset(self):
        return super().get_queryset()[: self.rows]


class StrikeSuspensionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What a strike suspended: each grant, and when its suspension ended (the lift)."""

    model = Suspension
    fk_name = "strike"
    formset = _FirstRowsFormSet
    extra = 0
    fields = ["grant", "performer", "studio", "started_at", "ended_at"]
    readonly_fields = fields
    verbose_name = "suspended grant"
    verbose_name_plural = f"what this strike suspended (the first {_FirstRowsFormSet.rows}, by grant)"
    ordering = ["grant_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("grant__performer", "grant__studio")

    @admin.display(description="performer")
    def performer(self, obj: Suspension) -> str:
        return obj.grant.performer.legal_name

    @admin.display(description="studio")
    def studio(self, obj: Suspension) -> str:
        return obj.grant.studio.legal_name


class StrikeJobInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The strike's background work and how far it has gone."""

    model = StrikeJob
    extra = 0
    fields = ["kind", "status", "progress", "changed", "batches", "started_at", "heartbeat_at", "finished_at"]
    readonly_fields = fields
    verbose_name = "job"
    verbose_name_plural = "jobs (suspending the grants, then restoring them)"

    @admin.display(description="progress")
    def progress(self, obj: StrikeJob) -> str:
        return f"{obj.processed:,} of {obj.total:,} grants ({obj.percent}%)"


@admin.register(Strike)
class StrikeAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "state",
        "agreement",
        "studio_names",
        "starts_at",
        "applied_at",
        "lifted_at",
        "declared_by",
        "suspended",
        "job_progress",
    ]
    list_filter = ["agreement", ("lifted_at", admin.EmptyFieldListFilter), "studios", "starts_at"]
    search_fields = ["public_id", "reason", "studios__legal_name"]
    date_hierarchy = "starts_at"
    inlines = [StrikeJobInline, StrikeSuspensionInline]
    change_form_template = "admin/consent/strike/change_form.html"
    readonly_fields = [
        "public_id",
        "agreement",
        "studios",
        "reason",
        "starts_at",
        "declared_at",
        "declared_by",
        "applied_at",
        "lifted_at",
        "lifted_by",
    ]
    actions = ["lift"]

    @admin.display(description="grants suspended")
    def suspended(self, obj: Strike) -> int:
        return obj.suspensions.count()

    @admin.display(description="state")
    def state(self, obj: Strike) -> str:
        if obj.lifted_at:
            return "lifted"
        return "in force" if obj.is_in_force else "scheduled"

    @admin.display(description="job")
    def job_progress(self, obj: Strike) -> str:
        """The latest job: the lift's once there is one."""
        jobs = sorted(obj.jobs.all(), key=lambda job: job.created_at)
        if not jobs:
            return "-"
        job = jobs[-1]
        return f"{job.get_kind_display()}: {job.get_status_display().lower()}, {job.percent}%"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page reloads itself while a job runs (a meta refresh: no script).
        working = object_id and StrikeJob.objects.filter(
            strike_id=object_id, status__in=[StrikeJobStatus.PENDING, StrikeJobStatus.RUNNING]
        )
        extra_context = {**(extra_context or {}), "job_running": bool(working and working.exists())}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="studios")
    def studio_names(self, obj: Strike) -> str:
        return ", ".join(s.legal_name for s in obj.studios.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agreement").prefetch_related("studios", "jobs")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a strike is declared or lifted, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        custom = [path("declare/", self.admin_site.admin_view(self.declare_view), name="consent_strike_declare")]
        return custom + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return redirect(reverse("admin:consent_strike_declare"))

    def declare_view(self, request):
        """Two steps: preview what would be suspended, then declare."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StrikeDeclareForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if "confirm" in request.POST:
                try:
                    strike = services.strike_declare(
                        agreement=data["agreement"],
                        studios=data["studios"],
                        reason=data["reason"],
                        starts_at=data["starts_at"],
                        actor=caller_for_user(request.user).actor(),
                    )
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"Strike {strike.public_id} declared. From its start consent checks answer "
                        "suspended_by_strike; its job suspends the grants in the background (progress below).",
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:consent_strike_change", args=[strike.pk]))
            preview = services.strike_preview(agreement=data["agreement"], studios=data["studios"])
        context = {
            **self.admin_site.each_context(request),
            "title": "Declare a strike",
            "form": form,
            "preview": preview,
            "opts": self.model._meta,
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/consent/strike/declare.html", context)

    @admin.action(description="Lift the selected strikes (restores what they suspended)", permissions=["add"])
    def lift(self, request, queryset):
        actor = caller_for_user(request.user).actor()
        for strike in queryset:
            try:
                services.strike_lift(strike=strike, actor=actor)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                self.message_user(
                    request,
                    f"Strike {strike.public_id} lifted. Consent checks no longer answer suspended_by_strike; "
                    "its job restores the grants in the background (progress on the strike's page).",
                    messages.SUCCESS,
                )
