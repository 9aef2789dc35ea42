"""My activity: the audit entries that concern the performer, in plain words."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from registry.portal import selectors
from registry.portal.access import portal_page
from registry.portal.wording import describe


@portal_page
def activity(request):
    ctx = request.portal
    chosen = request.GET.get("for")
    performers = [ctx.choose(chosen).performer] if chosen else [a.performer for a in ctx.acting]
    page = Paginator(selectors.activity_for(performers), 25).get_page(request.GET.get("page"))
    names = {a.performer.public_id: a.performer.display_name for a in ctx.acting}
    entries = [
        {"event": event, "text": describe(event.action), "performer_name": names.get(event.performer_id, "")}
        for event in page.object_list
    ]
    return render(
        request,
        "portal/activity.html",
        {"page": page, "entries": entries, "chosen": chosen, "show_performer": len(ctx.acting) > 1},
    )
