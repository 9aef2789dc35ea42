"""Cases about the performer: a studio's reported use that consent did not cover, and what union
staff are doing about it. Read through the caller-scoped case selector: another performer's
case is a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from registry.portal import selectors
from registry.portal.access import portal_page, whom_of
from registry.portal.wording import case_finding


@portal_page
def case_list(request):
    cases = selectors.cases_about(request.portal.caller).select_related("usage_line")[:100]
    return render(
        request,
        "portal/case_list.html",
        {"cases": cases, "show_performer": request.portal.represents_others},
    )


@portal_page
def case_detail(request, case_id: str):
    case = get_object_or_404(selectors.cases_about(request.portal.caller), public_id=case_id)
    acting = request.portal.acting_for(case.performer)
    whom = whom_of(acting)
    return render(
        request,
        "portal/case_detail.html",
        {"case": case, "acting": acting, "whom": whom, "finding": case_finding(case.reason_code, whom)},
    )
