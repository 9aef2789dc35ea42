"""The pure consent rules of DOMAIN.md section 2: one PASS and one FAIL example per rule, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from registry.consent import rules
from registry.consent.rules import (
    AgreementTerms,
    Compensation,
    Description,
    GrantCandidate,
    GrantScope,
    PerformerFacts,
    Preferences,
    Project,
    RequestFacts,
    StatusChange,
    SuspensionSpan,
    UseQuery,
)
from registry.core.vocabulary.consent import UseType

# --- Builders: a request that passes every rule, changed one field at a time ---------------------
TODAY = dt.date(2027, 3, 1)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
TERMS = AgreementTerms(code="tvth-2026", effective_from=dt.date(2026, 7, 1), effective_to=dt.date(2030, 6, 30))
ADULT = PerformerFacts(date_of_birth=dt.date(1988, 3, 14))
MINOR = PerformerFacts(date_of_birth=dt.date(2014, 6, 30))
PICTURE = Project(kind="picture", title="The Long Night", production_number="NLP-2027-004")
SPOT = Project(
    kind="commercial",
    title="Spring spot",
    production_number="FIZZ-2027-01",
    advertiser="Fizz Drinks Inc",
    product_line="Fizz Zero",
)
GAME = Project(kind="game", title="Harbour Lights", production_number="HL-2027")
TERM_START = dt.date(2027, 4, 1)
TERM_END = dt.date(2029, 3, 31)
DESCRIPTION = Description(
    role_or_scenes="Detective Ana Reyes, rooftop chase in scenes 41-44",
    intended_uses=("Replica performs the rooftop stunt sequence in place of a double",),
    media=("theatrical", "streaming"),
    territory=("US", "CA"),
    term_start=TERM_START,
    term_end=TERM_END,
)
PAY = Compensation(amount=Decimal("1283.00"), currency="USD", unit="day", estimated_days=Decimal("3"))
REASON = "Stunt double unavailable for the rooftop scenes"


def description(**overrides) -> Description:
    return dataclasses.replace(DESCRIPTION, **overrides)


def request(**overrides) -> RequestFacts:
    values = {
        "use": UseType.REPLICA_USE,
        "project": PICTURE,
        "description": DESCRIPTION,
        "compensation": PAY,
        "requested_at": NOW,
    }
    values.update(overrides)
    return RequestFacts(**values)


def scan_request(**overrides) -> RequestFacts:
    values = {
        "use": UseType.REPLICA_CREATION,
        "scan_at": NOW + dt.timedelta(hours=48),
        "business_reason": REASON,
    }
    values.update(overrides)
    return request(**values)


def terms(**overrides) -> AgreementTerms:
    return dataclasses.replace(TERMS, **overrides)


def pairs(violations) -> list[tuple[str | None, str]]:
    return [(v.field, v.code) for v in violations]


def conflict_codes(conflicts) -> list[str]:
    return [c.code for c in conflicts]


def mismatches(found) -> list[tuple[str, str | None]]:
    return [(m.code, m.field) for m in found]


def reasons(outcome) -> list[tuple[str, str | None, str | None]]:
    return [(r.code, r.field, r.grant_id) for r in outcome.reasons]


# --- The baseline ------------------------------------------------------------------------------
def test_a_fully_specified_request_breaks_no_rule():
    # given / when
    found = rules.request_violations(request(), ADULT, TERMS, TODAY)

    # then
    assert found == []


def test_every_violation_of_a_request_is_reported_not_just_the_first():
    # given a request that is vague, blanket, too long and in the wrong currency
    bad = request(
        project=dataclasses.replace(PICTURE, production_number="*"),
        description=description(role_or_scenes="TBD", term_end=dt.date(2037, 4, 2)),
        compensation=dataclasses.replace(PAY, currency="EUR"),
    )

    # when
    found = rules.request_violations(bad, ADULT, TERMS, TODAY)

    # then
    assert pairs(found) == [
        ("description.role_or_scenes", "vague_description"),
        ("project", "blanket_scope"),
        ("description.term_end", "term_too_long"),
        ("compensation.currency", "wrong_currency"),
    ]


# --- 2.2 Reasonably specific description ---------------------------------------------------------
@pytest.mark.parametrize(
    ("use", "project", "changes", "expected"),
    [
        pytest.param(UseType.REPLICA_USE, PICTURE, {}, [], id="pass-specific-picture"),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"term_end": TERM_START},
            [],
            id="pass-one-day-term",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            GAME,
            {"realtime_generation": False},
            [],
            id="pass-game-states-no-realtime",
        ),
        pytest.param(
            UseType.REALTIME_GENERATION,
            GAME,
            {"realtime_generation": True},
            [],
            id="pass-realtime-game-flag-true",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"role_or_scenes": "TBD"},
            [("description.role_or_scenes", "vague_description")],
            id="fail-role-tbd",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"role_or_scenes": "Any."},
            [("description.role_or_scenes", "vague_description")],
            id="fail-role-any",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"role_or_scenes": "  miscellaneous  "},
            [("description.role_or_scenes", "vague_description")],
            id="fail-role-miscellaneous",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"intended_uses": ("any and all uses",)},
            [("description.intended_uses.0", "vague_description")],
            id="fail-intended-any-and-all-uses",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"intended_uses": ("Replica performs the rooftop stunt sequence", "All purposes.")},
            [("description.intended_uses.1", "vague_description")],
            id="fail-second-intended-use-all-purposes",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"intended_uses": ()},
            [("description.intended_uses", "vague_description")],
            id="fail-no-intended-use",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"media": ()},
            [("description.media", "vague_description")],
            id="fail-missing-media",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"territory": ()},
            [("description.territory", "vague_description")],
            id="fail-missing-territory",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            PICTURE,
            {"term_end": TERM_START - dt.timedelta(days=1)},
            [("description.term_end", "term_reversed")],
            id="fail-reversed-term",
        ),
        pytest.param(
            UseType.REPLICA_USE,
            GAME,
            {},
            [("description.realtime_generation", "realtime_flag_required")],
            id="fail-game-without-realtime-flag",
        ),
        pytest.param(
            UseType.REALTIME_GENERATION,
            GAME,
            {"realtime_generation": False},
            [("description.realtime_generation", "realtime_flag_contradicts_use")],
            id="fail-realtime-use-flag-false",
        ),
    ],
)
def test_description_must_be_reasonably_specific(use, project, changes, expected):
    # given
    d = description(**changes)

    # when
    found = rules.description_violations(use, project, d)

    # then
    assert pairs(found) == expected


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        pytest.param("Detective Ana Reyes, scenes 41-44", False, id="specific"),
        pytest.param("Lead role", True, id="shorter-than-10"),
        pytest.param("As required", True, id="as-required"),
        pytest.param("TO BE DETERMINED", True, id="tbd-upper-case"),
        pytest.param("Any and all uses!", True, id="any-and-all-uses-punctuated"),
        pytest.param("All   future   projects", True, id="whitespace-normalised"),
    ],
)
def test_is_vague(text, vague):
    assert rules.is_vague(text) is vague


@pytest.mark.parametrize(
    "boilerplate",
    [
        pytest.param("Any and all uses now known or hereafter devised", id="hereafter-devised"),
        pytest.param("All uses in all media throughout the universe", id="all-media-universe"),
    ],
)
def test_boilerplate_blanket_intended_use_is_vague(boilerplate):
    # given the classic blanket clause the rule exists to stop
    d = description(intended_uses=(boilerplate,))

    # when
    found = rules.description_violations(UseType.REPLICA_USE, PICTURE, d)

    # then
    assert pairs(found) == [("description.intended_uses.0", "vague_description")]


# --- 2.3 No blanket grants; the commercial exception -----------------------------------------------
@pytest.mark.parametrize(
    ("project", "blanket"),
    [
        pytest.param(PICTURE, False, id="pass-one-picture"),
        pytest.param(SPOT, False, id="pass-one-spot"),
        pytest.param(dataclasses.replace(PICTURE, title="All future projects"), True, id="fail-all-future-projects"),
        pytest.param(dataclasses.replace(PICTURE, title="Every film we make"), True, id="fail-every-film"),
        pytest.param(
            dataclasses.replace(PICTURE, title="The Long Night and other productions"),
            True,
            id="fail-other-productions",
        ),
        pytest.param(dataclasses.replace(PICTURE, production_number="*"), True, id="fail-number-star"),
        pytest.param(dataclasses.replace(PICTURE, production_number="NLP-*"), True, id="fail-number-wildcard"),
        pytest.param(
            dataclasses.replace(PICTURE, production_number="NLP-2027-004, NLP-2027-005"),
            True,
            id="fail-number-comma-list",
        ),
        pytest.param(
            dataclasses.replace(PICTURE, production_number="NLP-2027-004;NLP-2027-005"),
            True,
            id="fail-number-semicolon-list",
        ),
        pytest.param(dataclasses.replace(PICTURE, production_number="TBD"), True, id="fail-number-tbd"),
    ],
)
def test_is_blanket_project(project, blanket):
    assert rules.is_blanket_project(project) is blanket


@pytest.mark.parametrize(
    ("project", "changes", "agreement", "expected"),
    [
        pytest.param(PICTURE, {}, TERMS, [], id="pass-one-picture"),
        pytest.param(
            SPOT,
            {"future_spots": True},
            terms(commercial_preconsent_same_advertiser=True),
            [],
            id="pass-future-spots-commercial-agreement-allows",
        ),
        pytest.param(
            dataclasses.replace(PICTURE, title="All future projects"),
            {},
            TERMS,
            [("project", "blanket_scope")],
            id="fail-blanket-title",
        ),
        pytest.param(
            SPOT,
            {"future_spots": True},
            TERMS,
            [("description.future_spots", "not_allowed_by_agreement")],
            id="fail-future-spots-agreement-forbids",
        ),
        pytest.param(
            PICTURE,
            {"future_spots": True},
            terms(commercial_preconsent_same_advertiser=True),
            [("description.future_spots", "blanket_scope")],
            id="fail-future-spots-not-a-commercial",
        ),
        pytest.param(
            dataclasses.replace(SPOT, advertiser=" ", product_line=""),
            {},
            TERMS,
            [("project.advertiser", "required"), ("project.product_line", "required")],
            id="fail-commercial-without-advertiser-and-line",
        ),
    ],
)
def test_consent_is_scoped_to_one_project(project, changes, agreement, expected):
    # when
    found = rules.project_violations(project, description(**changes), agreement)

    # then
    assert pairs(found) == expected


def spot_scope(**overrides) -> GrantScope:
    values = {
        "use": UseType.REPLICA_USE,
        "project": SPOT,
        "term_start": TERM_START,
        "term_end": TERM_END,
        "media": ("broadcast_tv", "online_video"),
        "territory": ("US",),
        "future_spots": True,
    }
    values.update(overrides)
    return GrantScope(**values)


@pytest.mark.parametrize(
    ("scope", "later", "expected"),
    [
        pytest.param(
            spot_scope(),
            dataclasses.replace(SPOT, title="Summer spot", production_number="FIZZ-2027-07"),
            [],
            id="pass-later-spot-same-advertiser-and-line",
        ),
        pytest.param(
            spot_scope(),
            dataclasses.replace(
                SPOT, production_number="FIZZ-2027-08", advertiser="  fizz drinks   INC", product_line="FIZZ zero"
            ),
            [],
            id="pass-advertiser-and-line-compared-case-and-space-insensitively",
        ),
        pytest.param(
            spot_scope(),
            dataclasses.replace(SPOT, production_number="POP-2027-01", advertiser="Pop Cola Co"),
            [("outside_scope", "project")],
            id="fail-other-advertiser",
        ),
        pytest.param(
            spot_scope(),
            dataclasses.replace(SPOT, production_number="FIZZ-2027-09", product_line="Fizz Energy"),
            [("outside_scope", "project")],
            id="fail-same-advertiser-other-line",
        ),
        pytest.param(
            spot_scope(future_spots=False),
            dataclasses.replace(SPOT, production_number="FIZZ-2027-07"),
            [("outside_scope", "project")],
            id="fail-later-spot-without-pre-consent",
        ),
        pytest.param(
            spot_scope(project=PICTURE),
            dataclasses.replace(PICTURE, production_number="NLP-2028-001"),
            [("outside_scope", "project")],
            id="fail-future-spots-flag-never-widens-a-picture",
        ),
    ],
)
def test_commercial_pre_consent_covers_later_spots_of_the_same_line_only(scope, later, expected):
    # given a use of a later spot inside the term, media and territory
    q = UseQuery(use=UseType.REPLICA_USE, project=later, on=dt.date(2027, 9, 1), media=("broadcast_tv",))

    # when
    found = rules.scope_mismatches(scope, q)

    # then
    assert mismatches(found) == expected


# --- 2.4 Use outside the description --------------------------------------------------------------
SCOPE = GrantScope(
    use=UseType.REPLICA_USE,
    project=PICTURE,
    term_start=TERM_START,
    term_end=TERM_END,
    media=("streaming", "theatrical"),
    territory=("CA", "US"),
)


@pytest.mark.parametrize(
    ("scope", "query_changes", "expected"),
    [
        pytest.param(SCOPE, {}, [], id="pass-inside-everything"),
        pytest.param(SCOPE, {"on": TERM_START}, [], id="pass-first-day-of-term"),
        pytest.param(SCOPE, {"on": TERM_END}, [], id="pass-last-day-of-term"),
        pytest.param(SCOPE, {"media": ()}, [], id="pass-no-media-asked"),
        pytest.param(SCOPE, {"territory": ("us",)}, [], id="pass-territory-case-insensitive"),
        pytest.param(
            dataclasses.replace(SCOPE, territory=("WW",)),
            {"territory": ("FR", "JP", "BR")},
            [],
            id="pass-worldwide-covers-every-country",
        ),
        pytest.param(
            SCOPE,
            {"media": ("theatrical", "broadcast_tv")},
            [("outside_scope", "media")],
            id="fail-medium-not-described",
        ),
        pytest.param(
            SCOPE,
            {"territory": ("US", "FR")},
            [("outside_scope", "territory")],
            id="fail-country-not-described",
        ),
        pytest.param(
            SCOPE,
            {"territory": ("WW",)},
            [("outside_scope", "territory")],
            id="fail-worldwide-asked-of-a-two-country-grant",
        ),
        pytest.param(
            SCOPE,
            {"project": dataclasses.replace(PICTURE, production_number="NLP-2028-001")},
            [("outside_scope", "project")],
            id="fail-other-project",
        ),
        pytest.param(
            SCOPE,
            {"on": TERM_START - dt.timedelta(days=1)},
            [("not_yet_in_term", "date")],
            id="fail-day-before-term",
        ),
        pytest.param(
            SCOPE,
            {"on": TERM_END + dt.timedelta(days=1)},
            [("expired", "date")],
            id="fail-day-after-term",
        ),
        pytest.param(
            SCOPE,
            {"use": UseType.TRAINING, "media": ("ai_model",), "on": TERM_END + dt.timedelta(days=1)},
            [("outside_scope", "use"), ("expired", "date"), ("outside_scope", "media")],
            id="fail-every-field-reported",
        ),
    ],
)
def test_scope_mismatches_name_the_field_outside_the_grant(scope, query_changes, expected):
    # given
    values = {
        "use": UseType.REPLICA_USE,
        "project": PICTURE,
        "on": dt.date(2027, 6, 1),
        "media": ("streaming",),
        "territory": ("US",),
    }
    values.update(query_changes)

    # when
    found = rules.scope_mismatches(scope, UseQuery(**values))

    # then
    assert mismatches(found) == expected


def test_territory_mismatch_message_names_the_missing_countries():
    # when
    found = rules.scope_mismatches(
        SCOPE, UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=dt.date(2027, 6, 1), territory=("fr", "US", "de"))
    )

    # then
    assert [m.message for m in found] == ["Not covered territory: DE, FR."]


# --- 2.5 Separate scopes ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("granted", "asked"),
    [
        pytest.param(UseType.REPLICA_USE, UseType.TRAINING, id="replica-use-does-not-imply-training"),
        pytest.param(UseType.REPLICA_CREATION, UseType.REPLICA_USE, id="creation-does-not-imply-use"),
        pytest.param(UseType.REPLICA_USE, UseType.REALTIME_GENERATION, id="use-does-not-imply-realtime"),
        pytest.param(UseType.VOICE_REPLICA, UseType.REPLICA_USE, id="voice-does-not-imply-likeness"),
        pytest.param(UseType.REPLICA_USE, UseType.DIGITAL_ALTERATION, id="use-does-not-imply-alteration"),
    ],
)
def test_consent_to_one_use_never_implies_another(granted, asked):
    # given an active grant for one use, otherwise covering the query
    grant = GrantCandidate(grant_id="cgr_1", scope=dataclasses.replace(SCOPE, use=granted), status="active")
    q = UseQuery(use=asked, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [grant], None)

    # then
    assert outcome.allowed is False
    assert reasons(outcome) == [("outside_scope", "use", "cgr_1")]


def test_the_same_use_is_allowed_by_that_grant():
    # given
    grant = GrantCandidate(grant_id="cgr_1", scope=SCOPE, status="active")
    q = UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [grant], None)

    # then
    assert (outcome.allowed, outcome.grant_id, outcome.reasons) == (True, "cgr_1", ())


# --- 2.6 Scan notice and business reason --------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "agreement", "expected"),
    [
        pytest.param(scan_request(), TERMS, [], id="pass-exactly-48h"),
        pytest.param(
            scan_request(scan_at=NOW + dt.timedelta(hours=47)),
            TERMS,
            [("scan_at", "scan_notice_too_short")],
            id="fail-47h",
        ),
        pytest.param(
            scan_request(scan_at=NOW + dt.timedelta(hours=48)),
            terms(scan_notice_hours=72),
            [("scan_at", "scan_notice_too_short")],
            id="fail-48h-when-agreement-says-72h",
        ),
        pytest.param(
            scan_request(scan_at=None),
            TERMS,
            [("scan_at", "required")],
            id="fail-no-scan-time",
        ),
        pytest.param(
            scan_request(
                engaged_at=dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC),
                scan_at=dt.datetime(2027, 3, 2, 10, 0, tzinfo=dt.UTC),
                requested_at=dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC),
            ),
            TERMS,
            [],
            id="pass-engaged-late-notice-at-engagement",
        ),
        pytest.param(
            scan_request(
                engaged_at=dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC),
                scan_at=dt.datetime(2027, 3, 2, 10, 0, tzinfo=dt.UTC),
                requested_at=dt.datetime(2027, 3, 2, 8, 0, tzinfo=dt.UTC),
            ),
            TERMS,
            [("scan_at", "scan_notice_too_short")],
            id="fail-engaged-late-notice-the-day-after",
        ),
        pytest.param(
            scan_request(
                engaged_at=NOW - dt.timedelta(days=10),
                scan_at=NOW + dt.timedelta(hours=47),
            ),
            TERMS,
            [("scan_at", "scan_notice_too_short")],
            id="fail-engaged-early-still-needs-48h",
        ),
        pytest.param(
            scan_request(business_reason=""),
            TERMS,
            [("business_reason", "business_reason_required")],
            id="fail-no-business-reason-when-agreement-requires",
        ),
        pytest.param(
            scan_request(business_reason="  Needed   it  "),
            TERMS,
            [("business_reason", "business_reason_required")],
            id="fail-business-reason-too-short",
        ),
        pytest.param(
            scan_request(business_reason=""),
            terms(scan_requires_business_reason=False),
            [],
            id="pass-no-business-reason-when-agreement-does-not-require",
        ),
        pytest.param(
            request(scan_at=None, business_reason=""),
            TERMS,
            [],
            id="pass-not-a-scan-request",
        ),
    ],
)
def test_scan_notice_and_business_reason(facts, agreement, expected):
    # when
    found = rules.scan_violations(facts, agreement)

    # then
    assert pairs(found) == expected


def test_scan_request_made_after_the_scan_is_refused_even_when_hired_late():
    # given a performer engaged at 08:00, scanned at 10:00, and the request sent at 12:00
    facts = scan_request(
        engaged_at=dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC),
        scan_at=dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC),
        requested_at=dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC),
    )

    # when
    found = rules.scan_violations(facts, TERMS)

    # then notice given after the scan is no notice
    assert pairs(found) == [("scan_at", "scan_notice_too_short")]


# --- 2.7 Digital alteration exemptions ----------------------------------------------------------------
@pytest.mark.parametrize("exemption", sorted(rules.ALTERATION_EXEMPTIONS))
def test_exempt_digital_alteration_is_allowed_without_a_grant_and_records_the_exemption(exemption):
    # given no grant at all
    q = UseQuery(use=UseType.DIGITAL_ALTERATION, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [], None, rules.ExemptionClaim(exemption))

    # then
    assert (outcome.allowed, outcome.grant_id, outcome.exemption, outcome.reasons) == (True, None, exemption, ())


@pytest.mark.parametrize(
    ("use", "claimed", "expected"),
    [
        pytest.param(
            UseType.DIGITAL_ALTERATION,
            "face_swap",
            [("exemption_not_allowed", "alteration_exemption", None), ("no_grant", None, None)],
            id="non-exempt-category",
        ),
        pytest.param(UseType.DIGITAL_ALTERATION, None, [("no_grant", None, None)], id="nothing-claimed"),
        pytest.param(UseType.REPLICA_USE, "dubbing", [("no_grant", None, None)], id="exemption-only-for-alteration"),
    ],
)
def test_non_exempt_claim_needs_a_grant(use, claimed, expected):
    # given no grant
    q = UseQuery(use=use, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [], None, rules.ExemptionClaim(claimed) if claimed else None)

    # then
    assert (outcome.allowed, outcome.exemption) == (False, None)
    assert reasons(outcome) == expected


# --- 2.8 Deceased performers and 2.9 minors: who signs ----------------------------------------------
@pytest.mark.parametrize(
    ("performer", "on", "expected"),
    [
        pytest.param(
            PerformerFacts(
                date_of_birth=dt.date(1940, 1, 1), date_of_death=dt.date(2025, 5, 1), estate_search_on_record=True
            ),
            TODAY,
            {"estate", "union"},
            id="deceased-no-estate-searched-estate-or-union",
        ),
        # Rule 2.8: no diligent search for an estate on record, so the union may not sign yet.
        pytest.param(
            PerformerFacts(date_of_birth=dt.date(1940, 1, 1), date_of_death=dt.date(2025, 5, 1)),
            TODAY,
            {"estate"},
            id="deceased-no-estate-not-searched-estate-only",
        ),
        pytest.param(
            PerformerFacts(
                date_of_birth=dt.date(1940, 1, 1), date_of_death=dt.date(2025, 5, 1), has_estate_representative=True
            ),
            TODAY,
            {"estate"},
            id="deceased-with-estate-estate-only",
        ),
        pytest.param(ADULT, TODAY, {"performer", "representative"}, id="living-adult"),
        pytest.param(MINOR, TODAY, {"guardian"}, id="minor-guardian-only"),
        pytest.param(MINOR, dt.date(2032, 6, 29), {"guardian"}, id="minor-day-before-18th-birthday"),
        pytest.param(MINOR, dt.date(2032, 6, 30), {"performer", "representative"}, id="adult-on-18th-birthday"),
    ],
)
def test_allowed_signer_roles(performer, on, expected):
    assert rules.allowed_signer_roles(performer, on) == frozenset(expected)


@pytest.mark.parametrize(
    ("performer", "agreement", "expected"),
    [
        pytest.param(
            PerformerFacts(date_of_birth=dt.date(1940, 1, 1), date_of_death=dt.date(2025, 5, 1)),
            TERMS,
            [],
            id="pass-no-estate-union-consents",
        ),
        pytest.param(
            PerformerFacts(
                date_of_birth=dt.date(1940, 1, 1), date_of_death=dt.date(2025, 5, 1), has_estate_representative=True
            ),
            terms(union_consents_for_deceased=False),
            [],
            id="pass-estate-consents",
        ),
        pytest.param(
            PerformerFacts(date_of_birth=dt.date(1940, 1, 1), date_of_death=dt.date(2025, 5, 1)),
            terms(union_consents_for_deceased=False),
            [("performer", "no_one_can_consent")],
            id="fail-no-estate-and-union-may-not",
        ),
    ],
)
def test_someone_must_be_able_to_consent_for_a_deceased_performer(performer, agreement, expected):
    assert pairs(rules.request_violations(request(), performer, agreement, TODAY)) == expected


def test_an_erased_performer_takes_no_request_and_that_is_the_only_reason_given():
    # Erasure left a placeholder date of birth (1900-01-01): no age rule may read it, nor may
    # anything else be said about a request nobody could answer.
    erased = PerformerFacts(date_of_birth=dt.date(1900, 1, 1), erased=True)
    stale = terms(effective_to=TODAY - dt.timedelta(days=1))
    assert pairs(rules.request_violations(request(), erased, stale, TODAY)) == [("performer", "performer_erased")]
    assert pairs(rules.request_violations(request(), ADULT, stale, TODAY)) == [("agreement", "agreement_not_in_force")]


@pytest.mark.parametrize(
    ("performer", "changes", "expected"),
    [
        pytest.param(ADULT, {"sensitive_content": ("nudity",)}, [], id="pass-adult-nudity"),
        pytest.param(ADULT, {"sensitive_content": ("sexual_content",)}, [], id="pass-adult-sexual-content"),
        pytest.param(MINOR, {"sensitive_content": ("violence", "aging")}, [], id="pass-minor-other-flags"),
        pytest.param(
            PerformerFacts(date_of_birth=dt.date(2009, 3, 31)),
            {"sensitive_content": ("nudity",)},
            [],
            id="pass-turns-18-the-day-before-term-starts",
        ),
        pytest.param(
            MINOR,
            {"sensitive_content": ("nudity",)},
            [("description.sensitive_content", "minor_sensitive_content")],
            id="fail-minor-nudity",
        ),
        pytest.param(
            MINOR,
            {"sensitive_content": ("sexual_content", "aging")},
            [("description.sensitive_content", "minor_sensitive_content")],
            id="fail-minor-aged-up-sexual-content",
        ),
        pytest.param(
            PerformerFacts(date_of_birth=dt.date(2009, 4, 2)),
            {"sensitive_content": ("nudity",)},
            [("description.sensitive_content", "minor_sensitive_content")],
            id="fail-still-17-on-first-day-of-term",
        ),
        pytest.param(
            ADULT,
            {"sensitive_content": ("nudity",), "depicts_minor": True},
            [("description.sensitive_content", "minor_sensitive_content")],
            id="fail-adult-de-aged-to-a-minor",
        ),
    ],
)
def test_no_sexual_or_nude_depiction_of_a_minor(performer, changes, expected):
    assert pairs(rules.minor_violations(description(**changes), performer)) == expected


def test_replica_of_a_performer_who_died_as_a_child_is_a_minors_replica():
    # given a child performer who died aged 10; by 2027 they would have been 27
    child = PerformerFacts(date_of_birth=dt.date(2000, 1, 1), date_of_death=dt.date(2010, 6, 1))

    # when
    found = rules.minor_violations(description(sensitive_content=("nudity",)), child)

    # then
    assert pairs(found) == [("description.sensitive_content", "minor_sensitive_content")]


# --- 2.10 strikes and 2.11 the performer's revocation and suspension in a check ---------------------
@pytest.mark.parametrize(
    ("status", "causes", "expected"),
    [
        pytest.param("suspended", ("strike",), ["suspended_by_strike"], id="strike"),
        pytest.param("suspended", ("performer",), ["suspended_by_performer"], id="performer"),
        pytest.param(
            "suspended", ("performer", "strike"), ["suspended_by_strike", "suspended_by_performer"], id="both"
        ),
        pytest.param("suspended", (), ["suspended_by_performer"], id="suspended-cause-unknown"),
        pytest.param("revoked", (), ["revoked"], id="revoked"),
        pytest.param("expired", (), ["expired"], id="expired-status"),
    ],
)
def test_a_grant_that_is_not_active_answers_no_with_its_reason(status, causes, expected):
    # given a grant covering the use in every other way
    grant = GrantCandidate(grant_id="cgr_1", scope=SCOPE, status=status, suspension_causes=causes)
    q = UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [grant], None)

    # then
    assert (outcome.allowed, outcome.grant_id) == (False, None)
    assert reasons(outcome) == [(code, None, "cgr_1") for code in expected]


def test_check_skips_superseded_and_not_yet_granted_versions():
    # given v1 superseded, v2 active, and a v3 not granted yet at that time
    v1 = GrantCandidate(grant_id="cgr_v1", scope=SCOPE, status="superseded")
    v2 = GrantCandidate(grant_id="cgr_v2", scope=SCOPE, status="active")
    v3 = GrantCandidate(grant_id="cgr_v3", scope=SCOPE, status=None)
    q = UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [v3, v1, v2], None)

    # then
    assert (outcome.allowed, outcome.grant_id) == (True, "cgr_v2")


def test_check_with_only_superseded_or_future_versions_finds_no_grant():
    # given
    v1 = GrantCandidate(grant_id="cgr_v1", scope=SCOPE, status="superseded")
    v2 = GrantCandidate(grant_id="cgr_v2", scope=SCOPE, status=None)
    q = UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [v1, v2], None)

    # then
    assert reasons(outcome) == [("no_grant", None, None)]


def test_revoked_grant_outside_scope_reports_both_and_an_ended_term_only_the_date():
    # given
    revoked = GrantCandidate(grant_id="cgr_1", scope=SCOPE, status="revoked")
    q_media = UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=dt.date(2027, 6, 1), media=("radio",))
    q_late = UseQuery(use=UseType.REPLICA_USE, project=PICTURE, on=TERM_END + dt.timedelta(days=1))

    # when
    media_outcome = rules.decide_check(q_media, [revoked], None)
    late_outcome = rules.decide_check(q_late, [revoked], None)

    # then
    assert reasons(media_outcome) == [("outside_scope", "media", "cgr_1"), ("revoked", None, "cgr_1")]
    assert reasons(late_outcome) == [("expired", "date", "cgr_1")]


def test_with_no_grant_the_check_cites_the_standing_preference():
    # given a performer who will not be trained on
    prefs = Preferences(do_not_train=True)
    q = UseQuery(use=UseType.TRAINING, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [], prefs)

    # then
    assert outcome.allowed is False
    assert [(r.code, r.message) for r in outcome.reasons] == [
        ("no_grant", "No consent from this performer covers this use."),
        ("preference", "The performer does not consent to training use."),
    ]


def test_a_grant_found_means_preferences_are_not_cited():
    # given an outside-scope grant and a preference that would conflict
    grant = GrantCandidate(grant_id="cgr_1", scope=SCOPE, status="active")
    q = UseQuery(use=UseType.TRAINING, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [grant], Preferences(do_not_train=True))

    # then
    assert reasons(outcome) == [("outside_scope", "use", "cgr_1")]


def test_with_no_grant_the_check_cites_every_standing_preference():
    # given a performer who will not be trained on and declines every training request
    prefs = Preferences(do_not_train=True, declined_uses=frozenset({UseType.TRAINING}))
    q = UseQuery(use=UseType.TRAINING, project=PICTURE, on=dt.date(2027, 6, 1))

    # when
    outcome = rules.decide_check(q, [], prefs)

    # then
    assert [r.message for r in outcome.reasons] == [
        "No consent from this performer covers this use.",
        "The performer does not consent to training use.",
        "The performer declines every training request.",
    ]


# --- 2.13 Licence length, dates, agreement and currency ------------------------------------------------
@pytest.mark.parametrize(
    ("performer", "agreement", "start", "end", "expected"),
    [
        pytest.param(ADULT, TERMS, TERM_START, dt.date(2037, 4, 1), [], id="pass-adult-exactly-10y"),
        pytest.param(
            ADULT,
            TERMS,
            TERM_START,
            dt.date(2037, 4, 2),
            [("description.term_end", "term_too_long")],
            id="fail-adult-10y-and-a-day",
        ),
        pytest.param(MINOR, TERMS, TERM_START, dt.date(2032, 4, 1), [], id="pass-minor-exactly-5y"),
        pytest.param(
            MINOR,
            TERMS,
            TERM_START,
            dt.date(2032, 4, 2),
            [("description.term_end", "term_too_long")],
            id="fail-minor-5y-and-a-day",
        ),
        pytest.param(
            ADULT,
            terms(max_licence_years_adult=3),
            TERM_START,
            dt.date(2030, 4, 2),
            [("description.term_end", "term_too_long")],
            id="fail-agreement-caps-adults-at-3y",
        ),
        pytest.param(
            ADULT, TERMS, dt.date(2028, 2, 29), dt.date(2038, 2, 28), [], id="pass-leap-day-start-10y-ends-28-feb"
        ),
        pytest.param(
            ADULT,
            TERMS,
            dt.date(2028, 2, 29),
            dt.date(2038, 3, 1),
            [("description.term_end", "term_too_long")],
            id="fail-leap-day-start-one-day-more",
        ),
        pytest.param(ADULT, TERMS, TODAY, TODAY, [], id="pass-term-starts-today"),
        pytest.param(
            ADULT,
            TERMS,
            TODAY - dt.timedelta(days=1),
            TERM_END,
            [("description.term_start", "term_in_past")],
            id="fail-term-starts-yesterday",
        ),
    ],
)
def test_licence_length_and_term_start(performer, agreement, start, end, expected):
    # when
    found = rules.term_violations(description(term_start=start, term_end=end), performer, agreement, TODAY)

    # then
    assert pairs(found) == expected


def test_term_too_long_message_names_the_cap_and_the_last_day():
    # when
    found = rules.term_violations(
        description(term_start=TERM_START, term_end=dt.date(2032, 4, 2)), MINOR, TERMS, TODAY
    )

    # then
    assert [v.message for v in found] == [
        "Agreement tvth-2026 caps a licence for a minor at 5 years (until 2032-04-01)."
    ]


@pytest.mark.parametrize(
    ("agreement", "today", "expected"),
    [
        pytest.param(TERMS, dt.date(2026, 7, 1), [], id="pass-first-day-in-force"),
        pytest.param(TERMS, dt.date(2030, 6, 30), [], id="pass-last-day-in-force"),
        pytest.param(terms(effective_to=None), dt.date(2031, 1, 1), [], id="pass-open-ended"),
        pytest.param(
            TERMS, dt.date(2030, 7, 1), [("agreement", "agreement_not_in_force")], id="fail-day-after-it-ends"
        ),
        pytest.param(
            TERMS, dt.date(2026, 6, 30), [("agreement", "agreement_not_in_force")], id="fail-day-before-it-starts"
        ),
    ],
)
def test_agreement_must_be_in_force_on_the_request_day(agreement, today, expected):
    # given a term that starts on the request day, so only the agreement's period is in question
    facts = request(description=description(term_start=today, term_end=today + dt.timedelta(days=30)))

    # when
    found = rules.request_violations(facts, ADULT, agreement, today)

    # then
    assert pairs(found) == expected


@pytest.mark.parametrize(
    ("compensation", "expected"),
    [
        pytest.param(PAY, [], id="pass-usd"),
        pytest.param(
            dataclasses.replace(PAY, currency="EUR"),
            [("compensation.currency", "wrong_currency")],
            id="fail-eur-under-a-usd-agreement",
        ),
        pytest.param(
            dataclasses.replace(PAY, amount=Decimal("0")),
            [("compensation.amount", "not_positive")],
            id="fail-zero-amount",
        ),
        pytest.param(
            dataclasses.replace(PAY, estimated_days=Decimal("0")),
            [("compensation.estimated_days", "not_positive")],
            id="fail-zero-days",
        ),
        pytest.param(dataclasses.replace(PAY, estimated_days=None), [], id="pass-no-day-estimate"),
    ],
)
def test_compensation(compensation, expected):
    assert pairs(rules.compensation_violations(compensation, TERMS)) == expected


# --- Standing preferences -------------------------------------------------------------------------------
FLOOR = Compensation(amount=Decimal("1500.00"), currency="USD", unit="day")


@pytest.mark.parametrize(
    ("prefs", "use", "changes", "offer", "expected"),
    [
        pytest.param(Preferences(), UseType.TRAINING, {}, PAY, [], id="pass-no-preferences"),
        pytest.param(Preferences(do_not_train=True), UseType.TRAINING, {}, PAY, ["do_not_train"], id="do-not-train"),
        pytest.param(
            Preferences(do_not_train=True), UseType.REPLICA_USE, {}, PAY, [], id="pass-do-not-train-other-use"
        ),
        pytest.param(
            Preferences(declined_uses=frozenset({UseType.VOICE_REPLICA})),
            UseType.VOICE_REPLICA,
            {},
            PAY,
            ["declines_use_type"],
            id="declines-use-type",
        ),
        pytest.param(
            Preferences(declined_uses=frozenset({UseType.VOICE_REPLICA})),
            UseType.REPLICA_USE,
            {},
            PAY,
            [],
            id="pass-declined-use-is-another",
        ),
        pytest.param(
            Preferences(opt_out_categories=frozenset({"alcohol"})),
            UseType.REPLICA_USE,
            {"content_categories": ("alcohol", "political")},
            PAY,
            ["opted_out_category"],
            id="opted-out-category",
        ),
        pytest.param(
            Preferences(opt_out_categories=frozenset({"sexual_content"})),
            UseType.REPLICA_USE,
            {"sensitive_content": ("sexual_content",)},
            PAY,
            ["opted_out_category"],
            id="opted-out-sexual-content-via-sensitive-flag",
        ),
        pytest.param(
            Preferences(opt_out_categories=frozenset({"alcohol"})),
            UseType.REPLICA_USE,
            {"content_categories": ("political",)},
            PAY,
            [],
            id="pass-other-category",
        ),
        pytest.param(
            Preferences(rate_floor=FLOOR), UseType.REPLICA_USE, {}, PAY, ["below_rate_floor"], id="below-rate-floor"
        ),
        pytest.param(
            Preferences(rate_floor=FLOOR),
            UseType.REPLICA_USE,
            {},
            dataclasses.replace(PAY, amount=Decimal("1500.00")),
            [],
            id="pass-at-the-floor",
        ),
        pytest.param(
            Preferences(rate_floor=FLOOR),
            UseType.REPLICA_USE,
            {},
            dataclasses.replace(PAY, unit="flat"),
            [],
            id="pass-other-unit-not-comparable",
        ),
        pytest.param(
            Preferences(rate_floor=FLOOR),
            UseType.REPLICA_USE,
            {},
            dataclasses.replace(PAY, currency="CAD"),
            [],
            id="pass-other-currency-not-comparable",
        ),
        pytest.param(
            Preferences(
                do_not_train=True,
                declined_uses=frozenset({UseType.TRAINING}),
                opt_out_categories=frozenset({"political"}),
                rate_floor=FLOOR,
            ),
            UseType.TRAINING,
            {"content_categories": ("political",)},
            PAY,
            ["do_not_train", "declines_use_type", "opted_out_category", "below_rate_floor"],
            id="every-conflict-in-order",
        ),
    ],
)
def test_preference_conflicts(prefs, use, changes, offer, expected):
    assert conflict_codes(rules.preference_conflicts(prefs, use, description(**changes), offer)) == expected


def test_opted_out_message_lists_the_categories_sorted():
    # given
    prefs = Preferences(opt_out_categories=frozenset({"tobacco", "alcohol", "sexual_content"}))
    d = description(content_categories=("tobacco", "alcohol"), sensitive_content=("sexual_content", "nudity"))

    # when
    found = rules.preference_conflicts(prefs, UseType.REPLICA_USE, d, PAY)

    # then
    assert [c.message for c in found] == ["The performer has opted out of: alcohol, sexual_content, tobacco."]


# --- Status over time ---------------------------------------------------------------------------------------
T1 = dt.datetime(2027, 4, 1, 9, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2027, 5, 1, 9, 0, tzinfo=dt.UTC)
T3 = dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)
HISTORY = [StatusChange(T3, "active"), StatusChange(T1, "active"), StatusChange(T2, "suspended")]


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        pytest.param(T1 - dt.timedelta(microseconds=1), None, id="before-granted"),
        pytest.param(T1, "active", id="granted-exactly-at-t"),
        pytest.param(T2 - dt.timedelta(microseconds=1), "active", id="just-before-suspension"),
        pytest.param(T2, "suspended", id="suspension-exactly-at-t-counts"),
        pytest.param(T3, "active", id="resumed-exactly-at-t"),
        pytest.param(T3 + dt.timedelta(days=365), "active", id="long-after"),
    ],
)
def test_status_as_of_is_the_last_change_at_or_before_t(t, expected):
    # given an unsorted history
    assert rules.status_as_of(HISTORY, t) == expected


def test_status_as_of_keeps_input_order_for_changes_at_the_same_instant():
    # given a grant accepted during a strike: activated and suspended at the same moment
    changes = [StatusChange(T1, "active"), StatusChange(T1, "suspended")]

    # then
    assert rules.status_as_of(changes, T1) == "suspended"


def test_suspension_causes_at_include_start_and_exclude_end():
    # given
    spans = [
        SuspensionSpan("strike", started_at=T1, ended_at=T3),
        SuspensionSpan("performer", started_at=T2),
    ]

    # then
    assert rules.suspension_causes_at(spans, T1 - dt.timedelta(microseconds=1)) == []
    assert rules.suspension_causes_at(spans, T1) == ["strike"]
    assert rules.suspension_causes_at(spans, T2) == ["performer", "strike"]
    assert rules.suspension_causes_at(spans, T3) == ["performer"]


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        pytest.param(dt.date(2027, 4, 1), 10, dt.date(2037, 4, 1), id="plain"),
        pytest.param(dt.date(2028, 2, 29), 10, dt.date(2038, 2, 28), id="leap-day-to-common-year"),
        pytest.param(dt.date(2028, 2, 29), 4, dt.date(2032, 2, 29), id="leap-day-to-leap-year"),
    ],
)
def test_add_years(day, years, expected):
    assert rules.add_years(day, years) == expected
