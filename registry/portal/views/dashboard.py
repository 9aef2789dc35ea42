"""The dashboard: what waits for an answer, what is in force, what happened, what was earned."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from registry.portal import selectors
from registry.portal.access import portal_page, whom_of
from registry.portal.charts import bar_chart_svg
from registry.portal.views.activity import activity_entries


@portal_page
def dashboard(request):
    ctx = request.portal
    caller = ctx.caller
    acting = ctx.choose(request.GET.get("for"))
    year = timezone.localdate().year
    bars, total = selectors.earnings_bars(acting.performer, year)
    currencies = selectors.earnings_currencies(acting.performer, year)
    unit = currencies[0] if len(currencies) == 1 else "(mixed currencies)" if currencies else ""
    pending = selectors.pending_requests(caller)
    live = selectors.live_grants(caller)
    minor_note = ""
    if not ctx.answers_requests and any(a.is_self for a in ctx.acting):
        minor_note = "You can see your requests, consents and earnings here; your guardian answers and acts for you."
    return render(
        request,
        "portal/dashboard.html",
        {
            "acting": acting,
            "whom": whom_of(acting),
            "pending": pending[:5],
            "pending_count": pending.count(),
            "pending_heading": ctx.pending_heading,
            "minor_note": minor_note,
            "live": live[:5],
            "live_count": live.count(),
            "open_cases": selectors.open_cases(caller)[:5],
            "activity": activity_entries(ctx, selectors.activity_for([a.performer for a in ctx.acting])[:8]),
            "year": year,
            "earnings_total": total,
            "earnings_unit": unit,
            "earnings_bars": bars,
            "chart": bar_chart_svg(
                bars,
                title=f"Earnings in {year}, by month, for {acting.performer.display_name}",
                unit=unit,
                chart_id="earnings-year",
            ),
        },
    )
