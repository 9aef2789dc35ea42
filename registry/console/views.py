"""Staff console pages beside the Django admin: the dashboard, exports, the audit chain check
and two-factor setup. Thin: each parses input, calls one selector or service, and renders.

Every view is wrapped in `admin.site.admin_view` (sign-in and is_staff, as the admin) and then
asks for a staff role: a staff flag without a union group sees nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import wraps
from io import BytesIO

import segno
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.audit.models import AuditEvent
from registry.billing import selectors as billing_selectors
from registry.console import selectors, services
from registry.console.csvrows import csv_lines
from registry.console.forms import AsOfForm, ExemptionReviewForm, PeriodForm, TokenForm, UntilForm, previous_month
from registry.core.caching import no_store
from registry.core.errors import DomainError
from registry.core.vocabulary.billing import AgingBucket
from registry.core.vocabulary.console import ExportStatus
from registry.core.vocabulary.usage import ExemptionReview, UsageUnit
from registry.parties import roles
from registry.parties.callers import caller_for_user
from registry.portal.charts import Bar, bar_chart_svg
from registry.usage import selectors as usage_selectors
from registry.usage import services as usage_services


def staff_page(view):
    """Signed-in staff with a union role (admin or analyst); anyone else is refused."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if roles.staff_role(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


def _context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


# --- Dashboard --------------------------------------------------------------------------------
def _chart(series: dict[dt.date, Decimal], *, title: str, unit: str, chart_id: str, unit_one: str = ""):
    bars = [Bar(label=m.strftime("%b"), long_label=m.strftime("%B %Y"), value=v) for m, v in series.items()]
    return bar_chart_svg(bars, title=title, unit=unit, chart_id=chart_id, unit_one=unit_one)


@staff_page
@require_http_methods(["GET", "HEAD"])
def dashboard(request):
    form = UntilForm(request.GET or None)
    until = form.cleaned_data["until"] if form.is_valid() else None
    data = selectors.dashboard(until=until)
    first, last = data.months[0], data.months[-1]
    span = f"{first:%B %Y} to {last:%B %Y}"
    fund_charts = [
        {
            "fund": fund.replace("_", " "),
            "currency": currency,
            "total": sum(series.values(), Decimal("0.00")),
            "svg": _chart(
                series,
                title=f"Billed to the {fund.replace('_', ' ')} fund per month, {span} ({currency})",
                unit=currency,
                chart_id=f"chart-fund-{fund}-{currency}".lower(),
            ),
        }
        for (fund, currency), series in data.fund_billing.items()
    ]
    synthetic_chart = _chart(
        data.synthetic_days,
        title=f"Synthetic performer stand-in days per month, {span}",
        unit=UsageUnit.DAYS,
        unit_one="day",
        chart_id="chart-synthetic-days",
    )
    context = _context(
        request,
        "Staff dashboard",
        form=form,
        data=data,
        span=span,
        fund_charts=fund_charts,
        synthetic_chart=synthetic_chart,
        synthetic_total=sum(data.synthetic_days.values(), Decimal("0.00")),
        can_act=roles.staff_role(request.user) == roles.UNION_ADMIN,
    )
    return TemplateResponse(
        request, "console/dashboard.html", context, status=200 if form.is_valid() or not request.GET else 400
    )


# --- Receivables by age -----------------------------------------------------------------------
AGING_PAGE = 50
# Short enough for the chart's label column; the text alternative says each in full.
AGING_LABELS = {b: ("not due" if b == AgingBucket.CURRENT else b.value) for b in AgingBucket}


@staff_page
@require_http_methods(["GET", "HEAD"])
def aging(request):
    """Open balances of every studio by days past due, a chart per currency, studios a page at a time."""
    form = AsOfForm(request.GET or None)
    as_of = (form.cleaned_data["as_of"] if form.is_valid() else None) or timezone.localdate()
    report = billing_selectors.aging_report(as_of)
    charts = [
        {
            "currency": currency,
            "total": sum(buckets.values(), Decimal("0.00")),
            "svg": bar_chart_svg(
                [Bar(label=AGING_LABELS[b], long_label=b.label, value=buckets[b.value]) for b in AgingBucket],
                title=f"Open balances by age on {as_of.isoformat()} ({currency})",
                unit=currency,
                chart_id=f"chart-aging-{currency}".lower(),
                label_space=62,
            ),
        }
        for currency, buckets in sorted(report["totals"].items())
    ]
    page = Paginator(report["studios"], AGING_PAGE).get_page(request.GET.get("page"))
    context = _context(
        request,
        "Receivables by age",
        form=form,
        as_of=as_of,
        charts=charts,
        page=page,
        bucket_labels=[AGING_LABELS[b] for b in AgingBucket],
        query=urlencode({"as_of": as_of.isoformat()}),
    )
    return TemplateResponse(
        request, "console/aging.html", context, status=200 if form.is_valid() or not request.GET else 400
    )


# --- Exports ----------------------------------------------------------------------------------
# Ranges of up to EXPORT_STREAM_MAX_ROWS records stream as they are read; larger ones are written
# to a file by a worker (services.export_file_write), which staff download when it is ready.
def _export_form(request, data=None) -> PeriodForm:
    start, end = previous_month()
    if data is None:
        data = request.GET if "start" in request.GET or "end" in request.GET else None
    return PeriodForm(data, initial={"start": start, "end": end}, funds=selectors.fund_codes())


def _exports_page(request, form: PeriodForm, *, status: int = 200, failed: str = "", too_large: tuple = ()):
    if form.is_bound and form.is_valid():
        start, end, fund = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["fund"]
    else:
        start, end, fund = form.initial["start"], form.initial["end"], ""
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    links = [
        (kind, export.description, query + (f"&{urlencode({'fund': fund})}" if kind == "remittance" and fund else ""))
        for kind, export in selectors.EXPORTS.items()
    ]
    context = _context(
        request,
        "Exports",
        form=form,
        exports=links,
        failed=failed,
        too_large=too_large,
        stream_max=settings.EXPORT_STREAM_MAX_ROWS,
        files=selectors.export_files(),
        period={"start": start.isoformat(), "end": end.isoformat(), "fund": fund},
    )
    return TemplateResponse(request, "console/exports.html", context, status=status)


@staff_page
@require_http_methods(["GET", "HEAD"])
def exports(request):
    form = _export_form(request)
    return _exports_page(request, form, status=400 if form.is_bound and not form.is_valid() else 200)


@no_store
@staff_page
@require_http_methods(["GET", "HEAD"])
def export_csv(request, kind: str):
    """Stream the export, or, when it reads more than EXPORT_STREAM_MAX_ROWS records, offer to
    write it to a file in the background."""
    if kind not in selectors.EXPORTS:
        raise Http404("No such export.")
    form = _export_form(request)
    if not form.is_bound or not form.is_valid():
        return _exports_page(request, form, status=400, failed=kind)
    start, end, fund = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["fund"]
    size = selectors.export_size(kind, start, end, fund)
    if size > settings.EXPORT_STREAM_MAX_ROWS:
        return _exports_page(request, form, too_large=(kind, size))
    rows = selectors.EXPORTS[kind].rows(start, end, fund)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    suffix = f"-{fund}" if kind == "remittance" and fund else ""
    response["Content-Disposition"] = f'attachment; filename="{kind}{suffix}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    return response


@staff_page
@require_http_methods(["POST"])
def export_file_request(request, kind: str):
    """Ask for the export as a file, written by a worker; then its page shows the progress."""
    if kind not in selectors.EXPORTS:
        raise Http404("No such export.")
    form = _export_form(request, data=request.POST)
    if not form.is_valid():
        return _exports_page(request, form, status=400, failed=kind)
    export = services.export_file_request(
        kind=kind,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        fund=form.cleaned_data["fund"],
        user=request.user,
        actor=caller_for_user(request.user).actor(),
    )
    return redirect("console:export-file", export.public_id)


@staff_page
@require_http_methods(["GET", "HEAD"])
def export_file(request, public_id: str):
    export = selectors.export_file_by_id(public_id)
    if export is None:
        raise Http404("No such export file.")
    context = _context(request, f"Export {export.kind}, {export.start} to {export.end}", export=export)
    return TemplateResponse(request, "console/export_file.html", context)


@no_store
@staff_page
@require_http_methods(["GET", "HEAD"])
def export_file_download(request, public_id: str):
    export = selectors.export_file_by_id(public_id)
    if export is None or export.status != ExportStatus.READY:
        raise Http404("No such export file, or it is not ready.")
    try:
        handle = (services.export_dir() / export.file_name).open("rb")
    except FileNotFoundError as exc:
        raise Http404("The export file is gone from the export directory.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=export.download_name, content_type="text/csv; charset=utf-8"
    )
    return response


# --- Audit ------------------------------------------------------------------------------------
@staff_page
@require_http_methods(["GET", "HEAD", "POST"])
def audit_verify(request):
    """The chain check reads the whole log: a button (POST) asks a worker to walk it, and the
    page follows the latest check (it reloads itself while the check is under way)."""
    if request.method == "POST":
        services.chain_check_request(user=request.user, actor=caller_for_user(request.user).actor())
        # 303: reloading the page that follows shows the check, it does not ask for another.
        response = redirect("console:audit-verify")
        response.status_code = 303
        return response
    check = selectors.latest_chain_check()
    broken = None
    if check is not None and check.intact is False and check.broken_seq is not None:
        broken = AuditEvent.objects.filter(pk=check.broken_seq).first()
    context = _context(request, "Verify the audit chain", check=check, broken=broken)
    return TemplateResponse(request, "console/audit_verify.html", context)


# --- Exemption claims (DOMAIN.md 2.7) ---------------------------------------------------------
EXEMPTIONS_PAGE = 25


@staff_page
@require_http_methods(["GET", "HEAD", "POST"])
def exemption_claims(request):
    """The review queue of claimed alteration exemptions: staff read it, a union admin upholds a
    claim or rejects it (which opens a violation case for the use)."""
    can_act = roles.staff_role(request.user) == roles.UNION_ADMIN
    status = 200
    if request.method == "POST":
        if not can_act:
            raise PermissionDenied
        form = ExemptionReviewForm(request.POST)
        if form.is_valid():
            line = get_object_or_404(usage_selectors.exemption_claims_awaiting_review(), pk=form.cleaned_data["line"])
            actor = caller_for_user(request.user).actor()
            try:
                if form.cleaned_data["decision"] == ExemptionReview.UPHELD:
                    usage_services.exemption_claim_uphold(line=line, actor=actor)
                    messages.success(request, f"Exemption of line {line.line_ref} upheld.")
                else:
                    _, case = usage_services.exemption_claim_reject(
                        line=line, reason=form.cleaned_data["reason"], actor=actor
                    )
                    messages.success(
                        request, f"Exemption of line {line.line_ref} rejected: case {case.public_id} opened."
                    )
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("console:exemptions")
        status = 400
    else:
        form = ExemptionReviewForm()
    after = request.GET.get("after", "")
    rows = list(
        usage_selectors.exemption_claims_awaiting_review(after=int(after) if after.isdigit() else None)[
            : EXEMPTIONS_PAGE + 1
        ]
    )
    more = rows[EXEMPTIONS_PAGE - 1].pk if len(rows) > EXEMPTIONS_PAGE else None
    context = _context(
        request,
        "Exemption claims to review",
        lines=rows[:EXEMPTIONS_PAGE],
        more=more,
        form=form,
        can_act=can_act,
        decisions=ExemptionReview,
    )
    return TemplateResponse(request, "console/exemptions.html", context, status=status)


# --- Two-factor -------------------------------------------------------------------------------
def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("console:dashboard")


def _qr_svg(url: str):
    out = BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=4, xmldecl=False, svgns=True, title="Scan with your authenticator app"
    )
    # segno writes a complete SVG from our own data (the device's otpauth URL), nothing else.
    return mark_safe(out.getvalue().decode())  # noqa: S308


@admin.site.admin_view
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor(request):
    """Set up an authenticator app (QR code, then a code to confirm it), or, with one set up,
    enter a code to verify this session."""
    user = request.user
    if roles.staff_role(user) is None:
        raise PermissionDenied
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    verified = user.is_verified()
    form = TokenForm(request.POST or None)
    status = 200
    if confirmed is None:
        device = services.totp_device_pending(user=user)
        if request.method == "POST" and form.is_valid():
            try:
                services.totp_device_confirm(
                    device=device, token=form.cleaned_data["otp_token"], actor=caller_for_user(user).actor()
                )
            except DomainError as exc:
                form.add_error("otp_token", exc.message)
            else:
                otp_login(request, device)
                messages.success(request, "Two-factor sign-in is set up for your account.")
                return redirect(_next_url(request))
        if request.method == "POST":
            status = 400
        context = _context(
            request,
            "Set up two-factor sign-in",
            form=form,
            setup=True,
            qr=_qr_svg(device.config_url),
            secret=_grouped(device.bin_key),
            otp_required=settings.STAFF_OTP_REQUIRED,
            next=_next_url(request),
        )
        return TemplateResponse(request, "console/two_factor.html", context, status=status)
    if request.method == "POST" and not verified:
        # verify_token applies the device's throttling: after wrong codes it waits longer each time.
        if form.is_valid() and confirmed.verify_token(form.cleaned_data["otp_token"]):
            otp_login(request, confirmed)
            return redirect(_next_url(request))
        if form.is_valid():
            form.add_error("otp_token", "That code is not right, or too many wrong codes: wait and try the next one.")
        status = 400
    context = _context(
        request,
        "Two-factor sign-in",
        form=form,
        setup=False,
        verified=verified,
        device=confirmed,
        next=_next_url(request),
    )
    return TemplateResponse(request, "console/two_factor.html", context, status=status)


def _grouped(key: bytes) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
