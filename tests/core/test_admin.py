"""Admin pages and API lists bounded by one page, not by the data (issue 24, item 6): each page is
loaded for a small studio and a larger one (or before and after the tables grow) and must cost
the same number of queries; long lists count at most CappedCountPaginator.cap rows; searches
find rows by the ids and names the help text promises."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.billing.models import Invoice, JournalEntry
from registry.consent.models import ConsentGrant
from registry.consent.services import strike_declare
from registry.core.admin import CappedCountPaginator
from registry.parties.models import Performer
from registry.usage.models import UsageLine
from tests.billing.conftest import AUGUST, bill, past_grant, replica_line, report
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import run_strike_jobs

pytestmark = pytest.mark.django_db


def _cast(studio, tvth, n: int, prefix: str) -> list[ConsentGrant]:
    """n performers each with a grant from `studio` and one August use of it reported."""
    grants = []
    for i in range(n):
        performer = Performer.objects.create(
            member_number=f"{prefix}-{i}", legal_name=f"{prefix} Performer {i}", date_of_birth=dt.date(1990, 1, 1)
        )
        login_of(performer)
        grants.append(past_grant(studio, performer, tvth))
    report(studio, [replica_line(f"{prefix}-L{i}", g, dt.date(2025, 8, 3)) for i, g in enumerate(grants)], ref=prefix)
    return grants


@pytest.fixture
def world(billed_studio, other_studio, tvth, django_capture_on_commit_callbacks):
    """Northlight: 2 performers, Rival: 12; both billed for August (an invoice line, a usage line
    and a payable posting each), then both struck (a suspension each), one strike per studio."""
    other_studio.studio.agreements.add(tvth)
    small = _cast(billed_studio.studio, tvth, 2, "SM")
    large = _cast(other_studio.studio, tvth, 12, "LG")
    bill(AUGUST, django_capture_on_commit_callbacks)
    strikes = []
    for caller in (billed_studio, other_studio):
        strike = strike_declare(agreement=tvth, studios=[caller.studio], reason="Strike", actor=SYSTEM)
        run_strike_jobs(strike)
        strikes.append(strike)
    return {"small": (billed_studio, small, strikes[0]), "large": (other_studio, large, strikes[1])}


@pytest.fixture
def admin_client(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def _count(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


def _entry_of(caller) -> JournalEntry:
    return JournalEntry.objects.get(invoice__studio=caller.studio, invoice__document_type="invoice")


PAGES = {
    "journal entry": lambda caller, strike: f"/admin/billing/journalentry/{_entry_of(caller).pk}/change/",
    "entry's postings": lambda caller, strike: f"/admin/billing/posting/?entry__id__exact={_entry_of(caller).pk}",
    "strike": lambda caller, strike: f"/admin/consent/strike/{strike.pk}/change/",
    "strike's suspensions": lambda caller, strike: f"/admin/consent/suspension/?strike__id__exact={strike.pk}",
    "invoice": lambda caller, strike: (
        f"/admin/billing/invoice/{Invoice.objects.get(studio=caller.studio, document_type='invoice').pk}/change/"
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_records_page_costs_the_same_queries_for_2_and_12_rows(world, admin_client, page):
    # Once unmeasured: the first admin page of a process reads what Django then keeps (content types).
    admin_client.get(PAGES[page](*world["small"][::2]))
    counts = {}
    for size, (caller, _, strike) in world.items():
        counts[size], response = _count(admin_client, PAGES[page](caller, strike))
        assert response.status_code == 200
    assert counts["small"] == counts["large"], counts


def test_the_strike_page_counts_its_suspensions_and_links_to_them(world, admin_client):
    _, grants, strike = world["large"]
    html = admin_client.get(f"/admin/consent/strike/{strike.pk}/change/").content.decode()
    assert f'12 (<a href="/admin/consent/suspension/?strike__id__exact={strike.pk}">' in html
    listed = admin_client.get(f"/admin/consent/suspension/?strike__id__exact={strike.pk}").content.decode()
    assert all(grant.public_id in listed for grant in grants)


def test_the_journal_entry_page_shows_its_first_postings_and_links_to_all(world, admin_client, monkeypatch):
    from registry.core.admin import FirstRowsFormSet

    monkeypatch.setattr(FirstRowsFormSet, "rows", 3)
    caller, _, _ = world["large"]
    entry = _entry_of(caller)
    html = admin_client.get(f"/admin/billing/journalentry/{entry.pk}/change/").content.decode()
    total = entry.postings.count()
    assert total > 3
    assert html.count('<td class="field-amount">') == 3
    assert f'{total} (<a href="/admin/billing/posting/?entry__id__exact={entry.pk}">' in html


CHANGELISTS = [
    "/admin/consent/consentgrant/",
    "/admin/consent/consentrequest/",
    "/admin/consent/suspension/",
    "/admin/usage/usageline/",
    "/admin/billing/invoiceline/",
    "/admin/billing/posting/",
    "/admin/billing/journalentry/",
    "/admin/tokens/consenttoken/",
    "/admin/consent/consentgrant/?q=Performer",
    "/admin/usage/usageline/?q=Performer",
    "/admin/tokens/consenttoken/?q=Performer",
]


def test_changelists_cost_the_same_queries_as_the_tables_grow(
    billed_studio, other_studio, tvth, admin_client, django_capture_on_commit_callbacks
):
    other_studio.studio.agreements.add(tvth)
    _cast(billed_studio.studio, tvth, 2, "SM")
    bill(AUGUST, django_capture_on_commit_callbacks)
    before = {url: _count(admin_client, url)[0] for url in CHANGELISTS}
    _cast(other_studio.studio, tvth, 12, "LG")
    bill(dt.date(2025, 9, 1), django_capture_on_commit_callbacks)  # the late lines, as adjustments
    after = {url: _count(admin_client, url)[0] for url in CHANGELISTS}
    assert UsageLine.objects.count() == 14
    assert before == after


# --- Counting at most `cap` rows ------------------------------------------------------------------
def test_a_long_list_says_more_than_the_cap_and_offers_only_its_pages(world, admin_client, monkeypatch):
    from registry.usage.admin import UsageLineAdmin

    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    monkeypatch.setattr(UsageLineAdmin, "list_per_page", 2)
    monkeypatch.setattr(UsageLineAdmin, "list_max_show_all", 2)
    page = admin_client.get("/admin/usage/usageline/").content.decode()
    assert "More than 5 usage lines: filter or search to narrow the list" in page
    narrowed = admin_client.get("/admin/usage/usageline/?studio__id__exact=" + str(world["small"][0].studio.pk))
    assert "2 usage lines" in narrowed.content.decode()
    assert "More than" not in narrowed.content.decode()
    # 14 lines, counted to 5: pages 1 to 3 of 2 lines; page 4 is not offered.
    assert admin_client.get("/admin/usage/usageline/?p=3").status_code == 200
    beyond = admin_client.get("/admin/usage/usageline/?p=4")
    assert (beyond.status_code, beyond["Location"]) == (302, "/admin/usage/usageline/?e=1")


# --- Searches by index ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "term", "expected"),
    [
        ("/admin/consent/consentgrant/", "LG Performer 1", 3),  # 1, 10, 11: part of a name
        ("/admin/consent/consentgrant/", "LG-4", 1),  # a member number exactly
        ("/admin/consent/consentgrant/", "Rival", 12),  # part of a studio's name
        ("/admin/consent/consentrequest/", "LG Performer 1", 3),
        ("/admin/usage/usageline/", "LG-L7", 1),  # the studio's own line id
        ("/admin/usage/usageline/", "LG-L", 0),  # a line id is matched exactly, not in part
        ("/admin/usage/usageline/", "SM Performer", 2),
        ("/admin/tokens/consenttoken/", "Northlight", 2),
    ],
)
def test_searches_find_rows_by_ids_and_names(world, admin_client, url, term, expected):
    response = admin_client.get(url, {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_a_search_by_grant_id_finds_its_usage_line_and_its_token(world, admin_client):
    grant = world["large"][1][5]
    lines = admin_client.get("/admin/usage/usageline/", {"q": grant.public_id}).context["cl"]
    assert [line.line_ref for line in lines.result_list] == ["LG-L5"]
    tokens = admin_client.get("/admin/tokens/consenttoken/", {"q": grant.public_id}).context["cl"]
    assert [token.grant_id for token in tokens.result_list] == [grant.pk]


def test_a_name_search_reads_the_trigram_index_on_postgresql(require_postgres):
    """The index of migration parties 0005 matches the SQL Django writes for icontains (with
    sequential scans off, as on a table large enough for the planner to prefer the index)."""
    from registry.parties.selectors import performer_ids_matching

    sql, params = performer_ids_matching("Okafor").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "parties_performer_legal_name_trgm" in plan, plan


def test_usage_lines_list_newest_first_and_a_search_is_not_drilled_by_date(world, admin_client):
    """The list offers its drill-down by date of use; a search's results do not (two more
    passes over every match), and its date filter still narrows them."""
    whole = admin_client.get("/admin/usage/usageline/")
    assert whole.context["cl"].date_hierarchy == "use_date"
    assert b'<nav class="toplinks">' in whole.content
    ids = [line.pk for line in whole.context["cl"].result_list]
    assert ids == sorted(ids, reverse=True)

    searched = admin_client.get("/admin/usage/usageline/", {"q": "LG Performer"})
    assert searched.context["cl"].result_count == 12
    assert searched.context["cl"].date_hierarchy is None
    assert b'<nav class="toplinks">' not in searched.content
    narrowed = admin_client.get("/admin/usage/usageline/", {"q": "LG Performer", "use_date__year": 2024})
    assert narrowed.context["cl"].result_count == 0
