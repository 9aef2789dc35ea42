"""Strikes at union scale: the declaration commits at once, a background job writes each grant's
suspension in set-based batches, and everything that answers for a grant reads the strike
itself meanwhile (issue 16, item 20)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.audit.models import AuditEvent
from registry.audit.selectors import verify_audit_chain
from registry.consent import rules, selectors, services
from registry.consent.models import ConsentGrant, GrantStatusChange, StrikeJob, Suspension
from registry.consent.verification import verify_online
from registry.outbox.models import OutboxMessage
from registry.tokens.models import ConsentToken, StatusListSnapshot, TokenStatus
from registry.webhooks import events as webhook_events
from tests.conftest import SYSTEM, login_of
from tests.consent.factories import audited_status_changes, grant_for, run_strike_jobs

pytestmark = pytest.mark.django_db


def _grant(studio, performer, agreement, n: int) -> ConsentGrant:
    """A grant in term from today, one project per `n`."""
    today = timezone.localdate().isoformat()
    return grant_for(
        studio.studio,
        performer.performer,
        agreement,
        project={"production_number": f"P-{n}", "title": f"Picture {n}"},
        description={"term_start": today},
    )


def _reload(*objs):
    for obj in objs:
        obj.refresh_from_db()
    return objs if len(objs) > 1 else objs[0]


def _check(studio, performer, grant, *, on: dt.date | None = None, now: dt.datetime | None = None):
    """The API's one-statement path; it must agree with the history path, as usage reports read."""
    now = now or timezone.now()
    query = rules.UseQuery(
        use="replica_use",
        project=grant.project(),
        on=on or timezone.localdate(now),
        media=("streaming",),
        territory=("US",),
    )
    _, outcome = selectors.consent_check_by_reference(
        studio_id=studio.studio.pk, performer_reference=performer.performer.public_id, query=query, now=now
    )
    reference = selectors.consent_check(
        studio_id=studio.studio.pk,
        performer=selectors.performer_by_reference(performer.performer.public_id),
        query=query,
        now=now,
    )
    assert outcome == reference
    return (outcome.allowed, [r.code for r in outcome.reasons if r.grant_id == grant.public_id])


def _token_status(grant) -> str:
    return verify_online(grant.tokens.get().jws).status


def _declare(studio_callers, agreement, **extra):
    return services.strike_declare(
        agreement=agreement,
        studios=[s.studio for s in studio_callers],
        reason="Contract talks failed",
        actor=SYSTEM,
        **extra,
    )


# --- The declaration --------------------------------------------------------------------------------
def test_declaring_costs_the_same_statements_for_few_grants_or_many(studio, other_studio, performer, agreement):
    # given one studio with 2 grants and another with 12
    for n in range(2):
        _grant(studio, performer, agreement, n)
    for n in range(12):
        _grant(other_studio, performer, agreement, 100 + n)

    # when each is struck
    with CaptureQueriesContext(connection) as few:
        _declare([studio], agreement)
    with CaptureQueriesContext(connection) as many:
        _declare([other_studio], agreement)

    # then the declaration did not touch the grants: that is the job's work
    assert len(few.captured_queries) == len(many.captured_queries)
    assert ConsentGrant.objects.filter(status="suspended").count() == 0
    assert StrikeJob.objects.filter(kind="apply", status="pending").count() == 2
    assert OutboxMessage.objects.filter(task="consent.run_strike_job", sent_at__isnull=True).count() == 2


def test_a_batch_costs_the_same_statements_for_few_grants_or_many(studio, other_studio, performer, agreement):
    # given a strike over 3 grants and one over 15, each done in one batch
    for n in range(3):
        _grant(studio, performer, agreement, n)
    for n in range(15):
        _grant(other_studio, performer, agreement, 100 + n)
    few_strike, many_strike = _declare([studio], agreement), _declare([other_studio], agreement)

    # when
    with CaptureQueriesContext(connection) as few:
        run_strike_jobs(few_strike)
    with CaptureQueriesContext(connection) as many:
        run_strike_jobs(many_strike)

    # then the statements do not grow with the grants (the per-grant path ran about 12 each)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert ConsentGrant.objects.filter(status="suspended").count() == 18
    assert len(many.captured_queries) < 60


# --- Before the job: every answer reads the strike --------------------------------------------------------
def test_checks_and_tokens_answer_suspended_from_the_declaration_before_the_job_runs(
    studio, performer, agreement, client
):
    # given a grant, and a strike declared but whose job has not run
    grant = _grant(studio, performer, agreement, 1)
    assert (_check(studio, performer, grant), _token_status(grant)) == ((True, []), "valid")
    strike = _declare([studio], agreement)

    # then the stored status still says active, and everything that answers says suspended
    assert _reload(grant).status == "active"
    assert _check(studio, performer, grant) == (False, ["suspended_by_strike"])
    assert _token_status(grant) == "suspended"
    verified = client.post("/api/v1/tokens/verify", {"token": grant.tokens.get().jws}, content_type="application/json")
    assert (verified.json()["valid"], verified.json()["status"]) == (False, "suspended")

    # and once lifted, before the lift's job restores the stored status, they say active again
    run_strike_jobs(strike)
    assert _reload(grant).status == "suspended"
    services.strike_lift(strike=strike, actor=SYSTEM)
    assert _reload(grant).status == "suspended"
    assert _check(studio, performer, grant) == (True, [])
    assert _token_status(grant) == "valid"


def test_a_past_date_during_the_strike_says_suspended_whenever_the_job_ran(studio, performer, agreement):
    # given a strike declared, lifted a day later, its jobs run only after both
    grant = _grant(studio, performer, agreement, 1)
    now = timezone.now()
    declared, lifted = now + dt.timedelta(days=1), now + dt.timedelta(days=2)
    strike = _declare([studio], agreement, now=declared)
    services.strike_lift(strike=strike, actor=SYSTEM, now=lifted)
    later = now + dt.timedelta(days=5)
    run_strike_jobs(strike, now=later)

    # then a check about the strike's day answers from the strike, not from when its job ran
    during = _check(studio, performer, grant, on=timezone.localdate(declared), now=later)
    assert during == (False, ["suspended_by_strike"])
    assert _check(studio, performer, grant, on=timezone.localdate(later), now=later) == (True, [])


def test_a_synthetic_performer_cannot_rest_on_a_grant_under_a_strike_the_job_has_not_reached(
    studio, performer, agreement
):
    from registry.core.errors import RuleViolationError
    from registry.usage import services as usage_services

    grant_for(studio.studio, performer.performer, agreement, use="synthetic_feature")
    _declare([studio], agreement)

    with pytest.raises(RuleViolationError) as refused:
        usage_services.synthetic_performer_register(
            studio=studio.studio,
            name="Nova",
            description="A synthetic host",
            borrowings=[(performer.performer, "face")],
            actor=SYSTEM,
        )
    assert [p.code for p in refused.value.problems] == ["no_feature_consent"]


def test_a_grant_accepted_before_the_job_reaches_it_starts_suspended_and_is_suspended_once(
    studio, performer, agreement
):
    # (rule 2.10: this agreement takes requests made during a strike, held suspended)
    agreement.strike_requests_held = True
    agreement.save(update_fields=["strike_requests_held"])
    # given a strike whose job has not run, and a grant accepted meanwhile
    existing = _grant(studio, performer, agreement, 1)
    strike = _declare([studio], agreement)
    accepted = _grant(studio, performer, agreement, 2)
    assert _reload(accepted).status == "suspended"

    # when the job runs
    [job] = run_strike_jobs(strike)

    # then each grant has one suspension by the strike and one change to suspended
    assert _reload(existing).status == "suspended"
    assert (job.status, job.total, job.processed, job.changed) == ("done", 2, 2, 1)
    for grant in (existing, accepted):
        assert Suspension.objects.filter(grant=grant, strike=strike).count() == 1
        assert GrantStatusChange.objects.filter(grant=grant, to_status="suspended").count() == 1


def test_a_performer_who_resumes_before_the_job_arrives_stays_suspended_by_the_strike(studio, performer, agreement):
    # given a grant the performer suspended, then a strike, then the performer resumes
    grant = _grant(studio, performer, agreement, 1)
    services.grant_suspend(grant=grant, reason="A pause", acting_user=login_of(grant.performer))
    strike = _declare([studio], agreement)
    services.grant_resume(grant=grant, acting_user=login_of(grant.performer))

    # then the strike holds it, before and after its job
    assert _reload(grant).status == "suspended"
    assert _check(studio, performer, grant) == (False, ["suspended_by_strike"])
    [job] = run_strike_jobs(strike)
    assert (_reload(grant).status, job.changed) == ("suspended", 0)
    batch = AuditEvent.objects.get(action="strike.grants_suspended").data
    assert (batch["suspended"], batch["already_suspended"]) == ([], [grant.public_id])


# --- The job ---------------------------------------------------------------------------------------------
def test_the_job_suspends_in_batches_and_resigns_each_status_list_once(studio, other_studio, performer, agreement):
    # given five grants under the strike and one of a studio it does not name
    grants = [_grant(studio, performer, agreement, n) for n in range(5)]
    spared = _grant(other_studio, performer, agreement, 9)
    strike = _declare([studio], agreement)
    lists = set(ConsentToken.objects.filter(grant__in=grants).values_list("status_list_id", flat=True))
    snapshots = {pk: StatusListSnapshot.objects.filter(status_list_id=pk).count() for pk in lists}

    # when the job runs in batches of two
    [job] = run_strike_jobs(strike, batch_size=2)

    # then
    assert (job.status, job.total, job.processed, job.changed, job.batches) == ("done", 5, 5, 5, 3)
    assert {g.status for g in ConsentGrant.objects.filter(pk__in=[g.pk for g in grants])} == {"suspended"}
    assert _reload(spared).status == "active"
    assert set(ConsentToken.objects.filter(grant__in=grants).values_list("status", flat=True)) == {
        TokenStatus.SUSPENDED
    }
    assert {pk: StatusListSnapshot.objects.filter(status_list_id=pk).count() - n for pk, n in snapshots.items()} == (
        dict.fromkeys(lists, 1)
    )
    assert _reload(strike).applied_at == job.finished_at
    # one audit event per batch naming its grants, and one for the whole job
    batches = AuditEvent.objects.filter(action="strike.grants_suspended").order_by("id")
    assert [len(e.data["suspended"]) for e in batches] == [2, 2, 1]
    assert sorted(i for e in batches for i in e.data["suspended"]) == sorted(g.public_id for g in grants)
    assert AuditEvent.objects.get(action="strike.applied").data == {
        "grants_suspended": 5,
        "grants_processed": 5,
        "batches": 3,
        "status_lists_signed": len(lists),
    }
    assert not AuditEvent.objects.filter(subject_type="grant", action__contains="strike").exists()
    assert verify_audit_chain().ok


def test_running_the_job_twice_suspends_nothing_twice(studio, performer, agreement):
    # given a strike whose job has run
    grants = [_grant(studio, performer, agreement, n) for n in range(3)]
    strike = _declare([studio], agreement)
    run_strike_jobs(strike)
    counted = (Suspension.objects.count(), GrantStatusChange.objects.count(), AuditEvent.objects.count())

    # when it is delivered again
    [again] = run_strike_jobs(strike)

    # then nothing changed
    assert (Suspension.objects.count(), GrantStatusChange.objects.count(), AuditEvent.objects.count()) == counted
    assert (again.status, again.processed, again.batches) == ("done", 3, 1)
    assert all(Suspension.objects.filter(grant=g, strike=strike).count() == 1 for g in grants)


def test_a_job_stopped_after_one_batch_continues_where_it_stopped(studio, performer, agreement):
    # given a job that did one batch of two, then its worker died
    grants = [_grant(studio, performer, agreement, n) for n in range(5)]
    strike = _declare([studio], agreement)
    [stopped] = run_strike_jobs(strike, batch_size=2, max_batches=1)
    assert (stopped.status, stopped.processed, stopped.batches) == ("running", 2, 1)
    assert stopped.cursor == grants[1].pk
    assert [_reload(g).status for g in grants] == ["suspended", "suspended", "active", "active", "active"]

    # when it runs again
    [job] = run_strike_jobs(strike, batch_size=2)

    # then it went on from the third grant, and each grant was suspended exactly once
    assert (job.status, job.processed, job.changed, job.batches) == ("done", 5, 5, 3)
    assert {_reload(g).status for g in grants} == {"suspended"}
    assert sorted(g for g, before, after in audited_status_changes() if after == "suspended") == sorted(
        g.public_id for g in grants
    )


def test_a_batch_that_fails_half_way_leaves_nothing_and_the_next_run_does_it(
    studio, performer, agreement, monkeypatch
):
    # given a job whose second batch fails after writing its suspensions and statuses
    grants = [_grant(studio, performer, agreement, n) for n in range(4)]
    strike = _declare([studio], agreement)
    real = webhook_events.strike_grants_changed
    calls = []

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(webhook_events, "strike_grants_changed", fail_second)
    with pytest.raises(ConnectionError):
        run_strike_jobs(strike, batch_size=2)

    # then the first batch stands and nothing of the second does
    job = strike.jobs.get()
    assert (job.status, job.processed, job.batches, job.cursor) == ("running", 2, 1, grants[1].pk)
    assert [_reload(g).status for g in grants] == ["suspended", "suspended", "active", "active"]
    assert Suspension.objects.filter(strike=strike).count() == 2

    # when it runs again
    [job] = run_strike_jobs(strike, batch_size=2)

    # then
    assert (job.status, job.processed, job.changed) == ("done", 4, 4)
    assert Suspension.objects.filter(strike=strike).count() == 4


def test_beat_starts_a_job_gone_quiet_again_and_leaves_a_working_one_alone(studio, performer, agreement):
    # given a job that did one batch and was then not heard from
    for n in range(3):
        _grant(studio, performer, agreement, n)
    strike = _declare([studio], agreement)
    [job] = run_strike_jobs(strike, batch_size=1, max_batches=1)
    OutboxMessage.objects.all().delete()

    # when beat looks a minute after the batch, then three minutes after
    soon = services.strike_jobs_start_due(now=job.heartbeat_at + dt.timedelta(minutes=1))
    late = services.strike_jobs_start_due(now=job.heartbeat_at + dt.timedelta(minutes=3))

    # then only the quiet job is sent to a worker again
    assert (soon, late) == (0, 1)
    assert list(OutboxMessage.objects.values_list("task", "args")) == [("consent.run_strike_job", [job.pk])]


# --- Lifting ---------------------------------------------------------------------------------------------
def test_lifting_restores_exactly_what_the_strike_suspended(studio, other_studio, performer, agreement):
    # given grants of two studios: one the performer had suspended before the strike, one they
    # suspend during it, one they revoke during it; and a second strike against the other studio
    plain = _grant(studio, performer, agreement, 1)
    paused_before = _grant(studio, performer, agreement, 2)
    services.grant_suspend(grant=paused_before, reason="Mine", acting_user=login_of(paused_before.performer))
    paused_during = _grant(studio, performer, agreement, 3)
    revoked = _grant(studio, performer, agreement, 4)
    other = _grant(other_studio, performer, agreement, 5)
    strike = _declare([studio, other_studio], agreement)
    second = _declare([other_studio], agreement)
    run_strike_jobs(strike)
    run_strike_jobs(second)
    services.grant_suspend(grant=paused_during, reason="Mine too", acting_user=login_of(paused_during.performer))
    services.grant_revoke(grant=revoked, reason="Withdrawn", acting_user=login_of(revoked.performer))

    # when the first strike is lifted and its job runs
    services.strike_lift(strike=strike, actor=SYSTEM)
    [_, lift] = run_strike_jobs(strike)

    # then only the grant nothing else holds is active again
    assert [_reload(g).status for g in (plain, paused_before, paused_during, revoked, other)] == [
        "active",
        "suspended",
        "suspended",
        "revoked",
        "suspended",
    ]
    assert (lift.kind, lift.status, lift.total, lift.processed, lift.changed) == ("lift", "done", 4, 4, 1)
    assert not Suspension.objects.filter(strike=strike, ended_at__isnull=True).exists()
    batch = AuditEvent.objects.get(action="strike.grants_restored").data
    assert batch["restored"] == [plain.public_id]
    held = sorted([paused_before.public_id, paused_during.public_id, other.public_id])
    assert sorted(batch["still_suspended"]) == held
    assert _token_status(plain) == "valid"
    assert ConsentToken.objects.get(grant=plain).status == TokenStatus.VALID
    assert ConsentToken.objects.get(grant=other).status == TokenStatus.SUSPENDED
    assert _check(other_studio, performer, other) == (False, ["suspended_by_strike"])
    assert verify_audit_chain().ok


def test_lifting_while_the_job_is_half_way_stops_it_and_undoes_what_it_did(studio, performer, agreement):
    # given a job that suspended two of five grants
    grants = [_grant(studio, performer, agreement, n) for n in range(5)]
    strike = _declare([studio], agreement)
    run_strike_jobs(strike, batch_size=2, max_batches=1)

    # when the strike is lifted, and both jobs are run again
    services.strike_lift(strike=strike, actor=SYSTEM)
    apply, lift = run_strike_jobs(strike, batch_size=2)

    # then the apply job stopped where it was and the lift restored its two grants
    assert (apply.status, apply.processed) == ("stopped", 2)
    assert (lift.status, lift.total, lift.changed) == ("done", 2, 2)
    assert {_reload(g).status for g in grants} == {"active"}
    assert set(ConsentToken.objects.filter(grant__in=grants).values_list("status", flat=True)) == {TokenStatus.VALID}
    assert Suspension.objects.filter(strike=strike).count() == 2


# --- The staff console -----------------------------------------------------------------------------------
def test_the_strike_page_shows_the_jobs_progress_and_reloads_while_it_runs(staff, studio, performer, agreement):
    grants = [_grant(studio, performer, agreement, n) for n in range(5)]
    strike = _declare([studio], agreement)
    run_strike_jobs(strike, batch_size=2, max_batches=1)
    client = Client()
    client.force_login(staff.user)

    running = client.get(f"/admin/consent/strike/{strike.pk}/change/").content.decode()
    listed = client.get("/admin/consent/strike/").content.decode()
    dashboard = client.get("/admin/console/").content.decode()
    run_strike_jobs(strike)
    done = client.get(f"/admin/consent/strike/{strike.pk}/change/").content.decode()

    assert "2 of 5 grants (40%)" in running
    assert '<meta http-equiv="refresh" content="5">' in running
    assert "Suspend the strike&#x27;s grants: running, 40%" in listed
    assert "its job: suspend the strike&#x27;s grants, 2 of 5 (40%)" in dashboard
    assert f"{len(grants)} of {len(grants)} grants (100%)" in done
    assert 'http-equiv="refresh"' not in done


def test_a_grant_the_job_went_past_before_its_acceptance_committed_is_suspended_at_the_end(
    studio, other_studio, performer, agreement
):
    # given a grant of each studio, and a job whose cursor is already past the first studio: as
    # when an acceptance that read no strike in force commits after the job went past its studio
    first, second = sorted([studio, other_studio], key=lambda s: s.studio.pk)
    missed = _grant(first, performer, agreement, 1)
    reached = _grant(second, performer, agreement, 2)
    strike = _declare([studio, other_studio], agreement)
    StrikeJob.objects.filter(strike=strike).update(cursor_studio=second.studio.pk)

    # when
    [job] = run_strike_jobs(strike)

    # then
    assert (_reload(missed).status, _reload(reached).status) == ("suspended", "suspended")
    assert (job.status, job.processed, job.changed, job.batches) == ("done", 2, 2, 2)
    assert job.cursor_studio == second.studio.pk
    assert ConsentToken.objects.get(grant=missed).status == TokenStatus.SUSPENDED
