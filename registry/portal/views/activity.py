"""Activity: the audit entries that concern the performers the caller acts for, in plain words."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from registry.portal import selectors
from registry.portal.access import PortalContext, portal_page, whom_of
from registry.portal.wording import Whom, actor_name, describe


def activity_entries(ctx: PortalContext, events) -> list[dict]:
    """Audit entries in plain words, each naming its performer as the reader stands to them."""
    whom = {a.performer.public_id: whom_of(a) for a in ctx.acting}
    return [
        {
            "event": event,
            "text": describe(event.action, whom.get(event.performer_id) or Whom(False, "the performer")),
            "actor": actor_name(event.actor_kind, event.actor_name),
            "performer_name": whom[event.performer_id].name if event.performer_id in whom else "",
        }
        for event in events
    ]


@portal_page
def activity(request):
    ctx = request.portal
    chosen = request.GET.get("for")
    acting = ctx.choose(chosen) if chosen else None
    performers = [acting.performer] if acting else [a.performer for a in ctx.acting]
    page = Paginator(selectors.activity_for(performers), 25).get_page(request.GET.get("page"))
    if acting is not None or len(ctx.acting) == 1:
        about = whom_of(acting or ctx.acting[0]).obj
    else:
        about = (
            "the performers you act for"
            if not any(a.is_self for a in ctx.acting)
            else "you and the performers you act for"
        )
    return render(
        request,
        "portal/activity.html",
        {
            "page": page,
            "entries": activity_entries(ctx, page.object_list),
            "chosen": chosen,
            "about": about,
            "show_performer": len(ctx.acting) > 1,
        },
    )
