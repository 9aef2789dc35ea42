"""Staff work cases here: assign, investigate and resolve through the case services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from registry.cases import services
from registry.cases.models import Case
from registry.core.errors import DomainError
from registry.parties.callers import caller_for_user


class ResolveForm(forms.Form):
    outcome = forms.CharField(max_length=200, help_text="e.g. 'Paid as use with consent', 'Referred to arbitration'")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_staff=True))


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    # Fits a 1280 px window beside the filters (the reason code is a filter and on the case's page).
    list_display = ["public_id", "kind_short", "status", "studio", "performer", "assigned_to", "opened_at"]
    list_filter = [
        "kind",
        "status",
        "studio",
        "reason_code",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        "opened_at",
        "resolved_at",
    ]
    search_fields = [
        "public_id",
        "summary",
        "production_number",
        "studio__legal_name",
        "performer__legal_name",
        "performer__member_number",
        "grant__public_id",
        "usage_line__line_ref",
        "synthetic_performer__name",
    ]
    date_hierarchy = "opened_at"
    # The related records are shown as links to their own admin pages (see `links`); the usage
    # line's use date is only the second half of its key (the line's own page shows it).
    readonly_fields = ["links", *[f.name for f in Case._meta.fields if f.name != "usage_line_use_date"]]
    list_select_related = ["studio", "performer", "assigned_to"]
    actions = ["investigate"]
    change_form_template = "admin/cases/case/change_form.html"

    @admin.display(description="kind", ordering="kind")
    def kind_short(self, case: Case) -> str:
        return case.get_kind_display().split(":")[0]

    @admin.display(description="about")
    def links(self, case: Case):
        """Links to the usage line, grant, studio, performer and synthetic performer of the case."""
        targets = [
            ("usage line", "usage_usageline", case.usage_line, lambda o: o.line_ref),
            ("grant", "consent_consentgrant", case.grant, lambda o: o.public_id),
            ("studio", "parties_studio", case.studio, lambda o: o.legal_name),
            ("performer", "parties_performer", case.performer, lambda o: o.legal_name),
            ("synthetic performer", "usage_syntheticperformer", case.synthetic_performer, lambda o: o.name),
        ]
        return format_html_join(
            " · ",
            '{}: <a href="{}">{}</a>',
            (
                (label, reverse(f"admin:{name}_change", args=[obj.pk]), text(obj))
                for label, name, obj, text in targets
                if obj is not None
            ),
        )

    def has_add_permission(self, request) -> bool:
        return False  # cases are opened by the registry when it finds something

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/resolve/", view(self.resolve_view), name="cases_case_resolve"),
            path("<int:pk>/assign/", view(self.assign_view), name="cases_case_assign"),
            *super().get_urls(),
        ]

    @admin.action(description="Mark as investigating", permissions=["change"])
    def investigate(self, request, queryset):
        for case in queryset:
            try:
                services.case_investigate(case=case, actor=caller_for_user(request.user).actor())
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)

    def _form_view(self, request, pk: int, form_class, title: str, act):
        case = get_object_or_404(Case, pk=pk)
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                act(case, form.cleaned_data, caller_for_user(request.user).actor())
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"{title}: done.", messages.SUCCESS)
                return redirect(reverse("admin:cases_case_change", args=[case.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title} {case.public_id}",
            "form": form,
            "case": case,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/cases/case/action.html", context)

    def resolve_view(self, request, pk: int):
        return self._form_view(
            request,
            pk,
            ResolveForm,
            "Resolve case",
            lambda case, data, actor: services.case_resolve(
                case=case, outcome=data["outcome"], notes=data["notes"], actor=actor
            ),
        )

    def assign_view(self, request, pk: int):
        return self._form_view(
            request,
            pk,
            AssignForm,
            "Assign case",
            lambda case, data, actor: services.case_assign(case=case, assignee=data["assignee"], actor=actor),
        )
