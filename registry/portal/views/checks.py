"""Checks: which studio checked the consent of the performers the caller acts for, what use
it asked about, when, and the answer (DOMAIN.md 2.14)."""

from __future__ import annotations

from django.shortcuts import render

from registry.portal import selectors
from registry.portal.access import portal_page, whom_of

PAGE = 25


@portal_page
def check_list(request):
    ctx = request.portal
    chosen = request.GET.get("for")
    acting = ctx.choose(chosen) if chosen else None
    performers = [acting.performer] if acting else [a.performer for a in ctx.acting]
    before = request.GET.get("before", "")
    # Newest first, a page at a time from an id (checks are many: no page count, no offset).
    rows = list(selectors.checks_for(performers, before=int(before) if before.isdigit() else None)[: PAGE + 1])
    older = rows[PAGE - 1].pk if len(rows) > PAGE else None
    whom = {a.performer.pk: whom_of(a).name for a in ctx.acting}
    return render(
        request,
        "portal/check_list.html",
        {
            "records": [(r, whom.get(r.performer_id, "")) for r in rows[:PAGE]],
            "older": older,
            "first_page": not before,
            "chosen": chosen,
            "show_performer": len(ctx.acting) > 1,
        },
    )
