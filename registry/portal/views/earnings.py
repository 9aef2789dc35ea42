"""Earnings statements by period, with the year's chart and CSV and PDF downloads."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from registry.billing.selectors import performer_statement
from registry.core import limits
from registry.core.caching import no_store
from registry.portal import selectors
from registry.portal.access import portal_page, whom_of
from registry.portal.charts import bar_chart_svg
from registry.portal.statements import statement_csv, statement_pdf
from registry.portal.wording import RESIDUAL_WORDS
from registry.residuals.selectors import performer_residual_lines


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_period(raw: str | None) -> tuple[dt.date, str | None]:
    """`YYYY-MM` as the first day of that month; a bad value falls back to last month, with the
    message to show (never a 500)."""
    default = _previous_month(timezone.localdate())
    if not raw:
        return default, None
    try:
        return limits.parse_month(raw.strip()), None
    except limits.InputFault as fault:
        return default, f"{fault} Showing {default:%B %Y} instead."


@portal_page
def earnings(request):
    acting = request.portal.choose(request.GET.get("for"))
    period, problem = parse_period(request.GET.get("period"))
    statement = performer_statement(acting.performer, period)
    bars, year_total = selectors.earnings_bars(acting.performer, period.year)
    currencies = selectors.earnings_currencies(acting.performer, period.year)
    unit = currencies[0] if len(currencies) == 1 else ""
    months = [(dt.date(period.year, m, 1), bar) for m, bar in enumerate(bars, start=1)]
    return render(
        request,
        "portal/earnings.html",
        {
            "acting": acting,
            "whom": whom_of(acting),
            "statement_unit": next(iter(statement["totals"])) if len(statement["totals"]) == 1 else "",
            "period": period,
            "period_text": period.strftime("%Y-%m"),
            "problem": problem,
            "statement": statement,
            "residuals": [
                {**row, "what": RESIDUAL_WORDS.get(row["use"], row["use"])}
                for row in performer_residual_lines(acting.performer, period)
            ],
            "months": months,
            "year_total": year_total,
            "unit": unit,
            "chart": bar_chart_svg(
                bars,
                title=f"Earnings in {period.year}, by month, for {acting.performer.display_name}",
                unit=unit,
                chart_id="earnings-statement-year",
            ),
        },
        status=400 if problem else 200,
    )


@no_store
@portal_page
def statement_download(request, fmt: str):
    acting = request.portal.choose(request.GET.get("for"))
    period, problem = parse_period(request.GET.get("period"))
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    statement = performer_statement(acting.performer, period)
    name = f"statement-{acting.performer.member_number}-{period:%Y-%m}"
    if fmt == "csv":
        return HttpResponse(
            statement_csv(statement),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    body = statement_pdf(
        statement, performer_name=acting.performer.legal_name, member_number=acting.performer.member_number
    )
    return HttpResponse(
        body, content_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'}
    )
