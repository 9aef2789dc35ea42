"""A report's references read in bulk and its lines decided once per distinct use: the grants
come back as plain values with their performer and agreement, the stored line ids are found by
the studio's index whatever the table's statistics, lines repeating a use share one decision
while lines of other grants are decided on their own, and cases still name the performer and
grant themselves."""

from __future__ import annotations

import gc
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.cases.models import Case
from registry.consent import services as consent_services
from registry.core import collector
from registry.core.vocabulary.usage import LineStatus
from registry.usage.models import UsageLine, UsageLineKey
from registry.usage.parsing import parse_report, parse_report_json
from registry.usage.selectors import report_references
from registry.usage.services import UsageRejectedError, usage_report_submit
from tests.conftest import SYSTEM, login_of
from tests.usage.builders import D0, DAY, REPORTED_AT, T0, granted, line, report, submit

pytestmark = pytest.mark.django_db


def lines_of(*lines: dict):
    _, parsed, problems = parse_report(report("R-x", *lines))
    assert problems == []
    return parsed


def test_report_references_reads_grants_as_values_with_their_performer_and_agreement(
    studio, other_studio, performer, other_performer, agreement
):
    ours = granted(studio.studio, performer.performer, agreement)
    also_ours = granted(studio.studio, other_performer.performer, agreement)
    theirs = granted(other_studio.studio, other_performer.performer, agreement)

    refs = report_references(
        studio.studio,
        lines_of(
            line("L-1", grant=ours.public_id),
            line("L-2", grant=also_ours.public_id),
            line("L-3", grant=theirs.public_id),
            line("L-4", grant=ours.public_id),
        ),
    )

    assert set(refs.grants) == {ours.public_id, also_ours.public_id}  # another studio's grant is unknown
    for grant in (ours, also_ours):
        found = refs.grants[grant.public_id]
        assert (found.pk, found.public_id, found.lineage_id) == (grant.pk, grant.public_id, grant.lineage_id)
        assert found.performer.pk == grant.performer_id
        assert (found.agreement.pk, found.agreement.code, found.agreement.currency) == (
            agreement.pk,
            agreement.code,
            agreement.currency,
        )
    assert refs.signed_agreement_ids == frozenset({agreement.pk})


def test_report_references_takes_as_many_queries_for_many_grants_as_for_one(
    studio, performer, other_performer, agreement
):
    one = granted(studio.studio, performer.performer, agreement)
    two = granted(studio.studio, other_performer.performer, agreement)

    with CaptureQueriesContext(connection) as few:
        report_references(studio.studio, lines_of(line("L-1", grant=one.public_id)))
    with CaptureQueriesContext(connection) as many:
        report_references(
            studio.studio,
            lines_of(*(line(f"L-{i}", grant=(one, two)[i % 2].public_id) for i in range(50))),
        )

    assert len(many) == len(few)


def test_stored_line_ids_are_the_studios_own(studio, other_studio, performer, other_performer, agreement):
    ours = granted(studio.studio, performer.performer, agreement)
    theirs = granted(other_studio.studio, other_performer.performer, agreement)
    submit(studio.studio, line("L-1", grant=ours.public_id), line("L-2", grant=ours.public_id))
    submit(other_studio.studio, line("L-3", grant=theirs.public_id))

    refs = report_references(
        studio.studio,
        lines_of(*(line(ref, grant=ours.public_id) for ref in ("L-1", "L-3", "L-9", "L-2"))),
    )

    assert refs.stored_line_refs == frozenset({"L-1", "L-2"})


def test_a_stored_report_does_not_look_up_its_line_ids_a_refused_one_does(studio, performer, agreement):
    """Storing a report's line ids meets the key table's primary key, so a report that is
    stored is not probed for reused ids first (a probe per line); a refused one is, to name them."""
    grant = granted(studio.studio, performer.performer, agreement)
    key_table = UsageLineKey._meta.db_table

    def key_reads(queries) -> list[str]:
        return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and key_table in q["sql"]]

    with CaptureQueriesContext(connection) as stored:
        submit(studio.studio, line("L-1", grant=grant.public_id), line("L-2", grant=grant.public_id))
    with CaptureQueriesContext(connection) as refused, pytest.raises(UsageRejectedError):
        submit(studio.studio, line("L-3", grant=grant.public_id), line("L-2", grant=grant.public_id), report_id="R-2")

    assert key_reads(stored) == []
    assert len(key_reads(refused)) == 1
    assert report_references(studio.studio, lines_of(line("L-2")), stored_line_refs=False).stored_line_refs == set()


def test_lines_repeating_a_use_share_its_decision_and_other_grants_are_decided_apart(
    studio, performer, other_performer, agreement
):
    # given two grants with the same scope, the second revoked before the use date
    active = granted(studio.studio, performer.performer, agreement)
    revoked = granted(studio.studio, other_performer.performer, agreement)
    consent_services.grant_revoke(
        grant=revoked, reason="No longer", acting_user=login_of(revoked.performer), now=T0 + 10 * DAY
    )
    use_date = (D0 + 30 * DAY).isoformat()

    # when a report interleaves lines of both, identical but for their grant, and varies the media
    stored = submit(
        studio.studio,
        line("L-a1", grant=active.public_id, use_date=use_date),
        line("L-b1", grant=revoked.public_id, use_date=use_date),
        line("L-a2", grant=active.public_id, use_date=use_date, media=["theatrical", "streaming"]),
        line("L-b2", grant=revoked.public_id, use_date=use_date),
        line("L-a3", grant=active.public_id, use_date=use_date),
    )

    # then each line is decided by its own grant, and the repeated ones alike
    assert (stored.accepted_count, stored.violation_count) == (3, 2)
    lines = {u.line_ref: u for u in UsageLine.objects.all()}
    for ref in ("L-a1", "L-a2", "L-a3"):
        assert (lines[ref].status, lines[ref].covering_grant_id, lines[ref].performer_id) == (
            LineStatus.ACCEPTED,
            active.pk,
            performer.performer.pk,
        )
    assert lines["L-a2"].media == ["theatrical", "streaming"]
    assert lines["L-a1"].media == lines["L-a3"].media == ["streaming"]
    for ref in ("L-b1", "L-b2"):
        assert (lines[ref].status, lines[ref].violation_code, lines[ref].covering_grant_id) == (
            LineStatus.VIOLATION,
            "revoked",
            None,
        )
    # and each violation's case names the performer and the grant themselves
    cases = Case.objects.filter(usage_line__line_ref__in=["L-b1", "L-b2"]).select_related("performer", "grant")
    assert sorted((c.usage_line.line_ref, c.performer, c.grant, c.reason_code) for c in cases) == [
        ("L-b1", other_performer.performer, revoked, "revoked"),
        ("L-b2", other_performer.performer, revoked, "revoked"),
    ]


def test_the_collector_is_paused_in_the_block_and_resumed_after_it_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: the inner block leaves it paused
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise RuntimeError("the report failed")
    assert gc.isenabled()


def test_a_paused_collector_stays_paused_after_the_block():
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was not the block that paused it
    finally:
        gc.enable()


def submit_parsed(studio, report_ref: str, lines, *, fingerprint: str):
    """Lines as a parser gave them (with or without shapes) to the service, as the API does."""
    return usage_report_submit(
        studio=studio, report_ref=report_ref, lines=lines, fingerprint=fingerprint, actor=SYSTEM, now=REPORTED_AT
    )


def test_lines_repeating_a_shape_are_judged_priced_and_stored_as_the_lines_read_one_by_one(
    studio, performer, other_performer, agreement
):
    """The typed path numbers each distinct line but for its id (its shape), and the service
    judges, prices and builds a shape's row once; the worded path gives every line its own.
    The same lines through both are stored alike, each with its own id and one case per violation."""
    active = granted(studio.studio, performer.performer, agreement)
    revoked = granted(studio.studio, other_performer.performer, agreement)
    consent_services.grant_revoke(
        grant=revoked, reason="No longer", acting_user=login_of(revoked.performer), now=T0 + 10 * DAY
    )
    use_date = (D0 + 30 * DAY).isoformat()

    def body(prefix: str) -> dict:
        return report(
            f"R-{prefix}",
            *(
                line(
                    f"{prefix}-{i}", grant=(active, revoked)[i % 2].public_id, use_date=use_date, units=str(1 + i % 3)
                )
                for i in range(12)
            ),
        )

    typed_ref, typed, _ = parse_report_json(json.dumps(body("T")).encode())
    assert sorted({x.shape for x in typed}) == [1, 2, 3, 4, 5, 6]  # (grant, units): six shapes of 12 lines
    worded_ref, worded, problems = parse_report(body("W"))
    assert problems == [] and {x.shape for x in worded} == {None}
    for report_ref, lines in ((typed_ref, typed), (worded_ref, worded)):
        submit_parsed(studio.studio, report_ref, lines, fingerprint=report_ref)

    def stored(prefix: str) -> list[tuple]:
        rows = UsageLine.objects.filter(line_ref__startswith=f"{prefix}-").order_by("id")
        return [
            (u.line_ref[2:], u.status, u.grant_id, u.covering_grant_id, u.performer_id, u.units, u.violation_code)
            for u in rows
        ]

    assert stored("T") == stored("W")
    assert [s[1] for s in stored("T")] == [LineStatus.ACCEPTED, LineStatus.VIOLATION] * 6
    assert len({u.pk for u in UsageLine.objects.all()}) == 24
    for prefix in ("T", "W"):
        cases = Case.objects.filter(usage_line__line_ref__startswith=f"{prefix}-")
        assert sorted(c.usage_line.line_ref for c in cases) == sorted(f"{prefix}-{i}" for i in range(1, 12, 2))


def test_a_repeated_shape_whose_id_was_reported_before_is_named_in_the_refusal(studio, performer, agreement):
    grant = granted(studio.studio, performer.performer, agreement)
    submit(studio.studio, line("L-2", grant=grant.public_id))
    body = report("R-2", *(line(f"L-{i}", grant=grant.public_id) for i in range(4)))
    report_ref, lines, fingerprint = parse_report_json(json.dumps(body).encode())
    assert {x.shape for x in lines} == {1}

    with pytest.raises(UsageRejectedError) as refused:
        submit_parsed(studio.studio, report_ref, lines, fingerprint=fingerprint)

    assert [(p.field, p.code) for p in refused.value.problems] == [("lines.2.line_id", "line_id_reused")]
