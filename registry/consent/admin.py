"""Staff views of consent. Records are read-only here; strikes are declared and lifted through
the same services the API uses, with a preview of what a strike would suspend."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from registry.consent import selectors, services
from registry.consent.models import (
    ConsentCheckRecord,
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
from registry.core.admin import (
    FirstRowsFormSet,
    IndexedSearchMixin,
    LargeTableAdminMixin,
    ReadOnlyAdminMixin,
    filtered_list_link,
)
from registry.core.errors import DomainError
from registry.core.vocabulary.consent import StrikeJobKind, StrikeJobStatus
from registry.parties import selectors as party_selectors
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
class ConsentRequestAdmin(IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "status", "use", "studio", "performer", "agreement", "requested_at", "expires_at"]
    list_filter = ["status", "use", "agreement", "studio", "auto_declined", "requested_at"]
    # Read by IndexedSearchMixin.get_search_results (search_arms); listed so the box shows.
    search_fields = ["public_id", "performer", "studio", "production_number"]
    search_help_text = (
        "A request id, a performer's id or member number, part of a performer's or studio's name, "
        "or a production number, exactly"
    )
    date_hierarchy = "requested_at"
    inlines = [DescriptionVersionInline, SignatureInline]
    list_select_related = ["studio", "performer", "agreement"]

    def search_arms(self, term: str) -> list:
        # production_number has no index: a scan of the requests (100,000 rows: milliseconds).
        return [
            ConsentRequest.objects.filter(public_id=term),
            ConsentRequest.objects.filter(production_number=term),
            *party_selectors.party_search_arms(ConsentRequest, term),
        ]


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

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("strike")


@admin.register(ConsentGrant)
class ConsentGrantAdmin(IndexedSearchMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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
    # Read by IndexedSearchMixin.get_search_results (search_arms); listed so the box shows.
    search_fields = ["public_id", "lineage_id", "performer", "studio", "production_number"]
    search_help_text = (
        "A grant or lineage id, a performer's id or member number, part of a performer's or studio's "
        "name, or a production number, exactly"
    )
    inlines = [GrantStatusChangeInline, SuspensionInline]
    list_select_related = ["studio", "performer", "agreement"]

    def search_arms(self, term: str) -> list:
        # production_number has no index: a scan of the grants (100,000 rows: milliseconds).
        return [
            ConsentGrant.objects.filter(public_id=term),
            ConsentGrant.objects.filter(lineage_id=term),
            ConsentGrant.objects.filter(production_number=term),
            *party_selectors.party_search_arms(ConsentGrant, term),
        ]


@admin.register(ConsentCheckRecord)
class ConsentCheckRecordAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every consent check a studio made (DOMAIN.md 2.14): read-only evidence, newest first."""

    list_display = ["checked_at", "studio", "performer", "use", "production_number", "on", "allowed", "grant_ref"]
    list_filter = ["allowed", "use"]
    search_fields = ["performer__public_id", "performer__member_number", "studio__public_id", "production_number"]
    list_select_related = ["studio", "performer"]
    raw_id_fields = ["studio", "performer"]


@admin.register(PerformerPreferences)
class PerformerPreferencesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["performer", "do_not_train", "updated_at"]
    list_filter = ["do_not_train"]
    search_fields = ["performer__legal_name", "performer__member_number"]


class StrikeDeclareForm(forms.Form):
    agreement = forms.ModelChoiceField(queryset=Agreement.objects.all())
    studios = forms.ModelMultipleChoiceField(
        queryset=Studio.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one studio the strike is against."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "State the reason for the strike."},
    )
    starts_at = forms.DateTimeField(
        label=f"Starts at ({settings.TIME_ZONE})",
        required=False,
        # The browser's date and time picker; its value ("2026-12-27T09:00") is read in the
        # registry's time zone, which the label states.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        help_text=f"Leave empty to start now. A date and time in {settings.TIME_ZONE}, the registry's time "
        "zone; a later start applies by itself.",
        error_messages={"invalid": f"Enter a date and a time, such as 2026-12-27 09:00 ({settings.TIME_ZONE})."},
    )


class StrikeLiftForm(forms.Form):
    reason = forms.CharField(
        label="Why the strike is lifted",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in the audit trail with the lift.",
        error_messages={"required": "State why the strike is lifted (for example, the agreement ratified)."},
    )


class _SuspendedGrantNames:
    """A suspension's performer and studio, by name (read with the grant: select_related)."""

    @admin.display(description="performer")
    def performer(self, obj: Suspension) -> str:
        return obj.grant.performer.legal_name

    @admin.display(description="studio")
    def studio(self, obj: Suspension) -> str:
        return obj.grant.studio.legal_name


class StrikeSuspensionInline(_SuspendedGrantNames, ReadOnlyAdminMixin, admin.TabularInline):
    """What a strike suspended: each grant, and when its suspension ended (the lift)."""

    model = Suspension
    fk_name = "strike"
    # The first rows only: a strike can suspend 100,000 grants. The strike's page counts them all
    # and links to the whole list (StrikeAdmin.suspended).
    formset = FirstRowsFormSet
    extra = 0
    fields = ["grant", "performer", "studio", "started_at", "ended_at"]
    readonly_fields = fields
    verbose_name = "suspended grant"
    verbose_name_plural = f"what this strike suspended (the first {FirstRowsFormSet.rows}, by grant)"
    ordering = ["grant_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("grant__performer", "grant__studio")


class StrikeJobInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The strike's background work and how far it has gone."""

    model = StrikeJob
    extra = 0
    # What fits a phone without the table scrolling sideways (axe: a scrolling region must take
    # the keyboard); the grants it changed are in its progress.
    fields = ["kind", "status", "progress", "finished_at"]
    readonly_fields = fields
    verbose_name = "job"
    verbose_name_plural = "jobs (suspending the grants, then restoring them)"

    @admin.display(description="progress")
    def progress(self, obj: StrikeJob) -> str:
        return f"{obj.processed:,} of {obj.total:,} grants ({obj.percent}%)"


@admin.register(Suspension)
class SuspensionAdmin(_SuspendedGrantNames, LargeTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every suspension, a page at a time: a strike's page links here filtered to the strike."""

    list_display = ["grant", "performer", "studio", "cause", "strike", "started_at", "ended_at"]
    list_filter = ["cause", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["=grant__public_id", "=strike__public_id"]
    search_help_text = "A grant's or a strike's id, exactly"
    list_select_related = ["grant__performer", "grant__studio", "strike__agreement"]  # a strike names its agreement
    ordering = ["-id"]


@admin.register(Strike)
class StrikeAdmin(admin.ModelAdmin):
    # Fits a 1280 px window beside the filters; when it was applied, who declared it and how many
    # grants it suspended are on its page.
    list_display = ["public_id", "state", "agreement", "studio_names", "starts_at", "lifted_at", "job_progress"]
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
        "suspended",
    ]
    actions = ["lift"]

    @admin.display(description="grants suspended")
    def suspended(self, obj: Strike):
        """How many, and a link to them all a page at a time (the inline shows the first 100)."""
        return filtered_list_link(
            Suspension, "strike", obj, "every suspension, a page at a time", count=obj.suspensions.count()
        )

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
        custom = [
            path("declare/", self.admin_site.admin_view(self.declare_view), name="consent_strike_declare"),
            path("<int:pk>/lift/", self.admin_site.admin_view(self.lift_view), name="consent_strike_lift"),
        ]
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
                        f"Strike {strike.public_id} declared. From its start every consent check for these "
                        "studios answers that a strike suspends the consent; its job suspends the grants in "
                        "the background (progress below).",
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

    def lift_view(self, request, pk: int):
        """Lifting is a confirmation page, like declaring: what it restores, a reason, then the lift.
        The job restores the consents in the background."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        strike = get_object_or_404(Strike.objects.select_related("agreement").prefetch_related("studios"), pk=pk)
        form = StrikeLiftForm(request.POST or None)
        if strike.lifted_at is None and request.method == "POST" and form.is_valid():
            try:
                services.strike_lift(
                    strike=strike, reason=form.cleaned_data["reason"], actor=caller_for_user(request.user).actor()
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Strike {strike.public_id} lifted. Consent checks no longer answer that it suspends them; "
                    "its job restores the consents in the background (progress below).",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:consent_strike_change", args=[strike.pk]))
        apply = strike.jobs.filter(kind=StrikeJobKind.APPLY).first()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Lift strike {strike.public_id}",
            "strike": strike,
            "form": form,
            "preview": selectors.strike_lift_preview(strike),
            "apply_unfinished": apply is not None
            and apply.status in (StrikeJobStatus.PENDING, StrikeJobStatus.RUNNING),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/consent/strike/lift.html", context, status=400 if form.errors else 200)

    @admin.action(description="Lift the selected strike…", permissions=["add"])
    def lift(self, request, queryset):
        """A lift is confirmed on its own page, one strike at a time, with what it restores."""
        strikes = list(queryset[:2])
        if len(strikes) != 1:
            self.message_user(
                request, "Choose one strike to lift: each has its own confirmation page.", messages.WARNING
            )
            return None
        return redirect(reverse("admin:consent_strike_lift", args=[strikes[0].pk]))
