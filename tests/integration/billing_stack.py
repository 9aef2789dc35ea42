"""Helpers for the billing exactly-once tests on the real stack (PostgreSQL, Redis, Celery workers).

- build_dataset: studios with real grants and usage (one report per studio through the usage
  service, the bulk of the lines copied from its rows with bulk_create, so they are shaped alike);
- snapshot / reference_snapshot: everything billing wrote for a period, and the same computed by
  the billing services in this process, uninterrupted, inside a transaction that is rolled back;
- Worker: a real `celery worker` process on the test's own queue (see celery_app.py);
- RowLock and the pg_stat_activity / Redis probes used to stop a worker at a known point.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from registry.billing import services
from registry.billing.models import BillingRun, Invoice, InvoiceLine, JournalEntry, Posting
from registry.core.vocabulary.usage import LineStatus
from registry.parties.models import Performer, Studio
from registry.terms.models import Agreement
from registry.usage.models import UsageLine, UsageReport
from tests.billing.conftest import past_grant, replica_line, report
from tests.pricing_data import give_reference_pricing

ROOT = Path(__file__).resolve().parents[2]
AUGUST = dt.date(2025, 8, 1)
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], *, timeout: float, what: str | Callable[[], str], interval: float = 0.1) -> T:
    """Poll until predicate() is truthy and return it; AssertionError naming `what` (or what()
    returns, then) on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


# --- Data -------------------------------------------------------------------------------------
@dataclass
class Dataset:
    agreement: Agreement
    studios: list[Studio]  # in pk order: the order start_run fans out
    billable_lines: int


def build_dataset(*, studios: int, lines_per_studio: int, tag: str, performers: int = 5) -> Dataset:
    """`studios` studios, each with two grants (performers shared between studios, one paid
    above scale and one below) and 2 + `lines_per_studio` usage lines in July and August 2025,
    one in 25 a violation (never billable). Agreement and rates are the test's own, with P&H, so
    the ledger has payable, fund and receivable legs; nothing relies on seeded reference data.
    Tasks the services enqueue meanwhile (consent notifications) run here, not on the workers."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        return _build(studios=studios, lines_per_studio=lines_per_studio, tag=tag, performers=performers)
    finally:
        app.conf.task_always_eager = saved


def _build(*, studios: int, lines_per_studio: int, tag: str, performers: int) -> Dataset:
    agreement = Agreement.objects.create(
        code=f"it-{tag}",
        name=f"Integration {tag}",
        sector="tv_theatrical",
        effective_from=dt.date(2023, 11, 9),
        effective_to=dt.date(2030, 6, 30),
    )
    give_reference_pricing(agreement, ph_rate="0.19")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{tag}-p{k}", first_name="Perf", last_name=f"{k}") for k in range(performers)
    )
    people = Performer.objects.bulk_create(
        Performer(member_number=f"{tag}-{k}", legal_name=f"Performer {k}", date_of_birth=dt.date(1980, 1, 1), user=u)
        for k, u in enumerate(users)
    )
    now = timezone.now()
    made: list[Studio] = []
    rows: list[UsageLine] = []
    billable = 0
    for i in range(studios):
        studio = Studio.objects.create(legal_name=f"{tag} studio {i:03d}")
        studio.agreements.add(agreement)
        grants = [
            past_grant(studio, people[(i + k) % performers], agreement, own_daily=Decimal(own))
            for k, own in enumerate(("900", "1500"))
        ]
        # Two lines through the real usage service: the templates for the bulk rows.
        real = report(studio, [replica_line(f"S-{k}", g, dt.date(2025, 8, 4 + k)) for k, g in enumerate(grants)])
        templates = list(real.lines.order_by("id"))
        assert all(t.status == LineStatus.ACCEPTED for t in templates), [t.violation_detail for t in templates]
        billable += len(templates)
        violations = lines_per_studio // 25
        bulk = UsageReport.objects.create(
            studio=studio,
            report_ref="bulk",
            fingerprint=hashlib.sha256(f"{tag}:{i}".encode()).hexdigest(),
            received_at=now,
            line_count=lines_per_studio,
            accepted_count=lines_per_studio - violations,
            violation_count=violations,
        )
        for j in range(lines_per_studio):
            fields = {f.attname: getattr(templates[j % 2], f.attname) for f in UsageLine._meta.concrete_fields}
            fields.pop("id")
            fields.update(
                report_id=bulk.pk,
                line_ref=f"B-{j:05d}",
                use_date=dt.date(2025, 7, 15) + dt.timedelta(days=j % 48),  # July lines: adjustments
                estimated_days=Decimal(1 + j % 5),
                role_category="background_actor" if j % 7 == 3 else "day_performer",
            )
            if j % 25 == 24:
                fields.update(
                    status=LineStatus.VIOLATION,
                    covering_grant_id=None,
                    violation_code="outside_term",
                    violation_detail="not covered on its date",
                )
            else:
                billable += 1
            rows.append(UsageLine(**fields))
        made.append(studio)
    UsageLine.objects.bulk_create(rows, batch_size=2000)
    return Dataset(agreement=agreement, studios=made, billable_lines=billable)


# --- What billing wrote -----------------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    """Everything billing wrote for a period, keyed by stable ids (not invoice numbers, which
    depend on the order studios were billed in)."""

    documents: dict  # (studio, type, currency) -> (status, performer_pay, ph, funds, total, lines)
    charges: dict  # (usage line id, is_credit) -> (studio, adjustment, performer_pay, ph, funds, total, rate card)
    ledger: dict  # account code -> balance
    entries: int
    postings: int

    @property
    def invoice_total(self) -> Decimal:
        return sum((d[4] for d in self.documents.values()), Decimal(0))


def snapshot(period: dt.date) -> Snapshot:
    invoices = (
        Invoice.objects.filter(period=period)
        .select_related("studio")
        .annotate(n=Count("lines"))
        .order_by("studio_id", "document_type", "currency")
    )
    documents = {
        (i.studio.public_id, i.document_type, i.currency): (
            i.status,
            i.performer_pay,
            i.ph_contributions,
            i.fund_royalties,
            i.total,
            i.n,
        )
        for i in invoices
    }
    charges = {}
    for il in InvoiceLine.objects.filter(invoice__period=period).select_related("invoice__studio"):
        key = (il.usage_line_id, il.is_credit)
        assert key not in charges, f"usage line {il.usage_line_id} on two invoice lines"
        charges[key] = (
            il.invoice.studio.public_id,
            il.is_adjustment,
            il.performer_pay,
            il.ph_contribution,
            il.fund_total,
            il.total,
            il.rate_card_id,
        )
    postings = Posting.objects.filter(entry__invoice__period=period)
    ledger = {
        row["account__code"]: row["balance"]
        for row in postings.values("account__code").annotate(balance=Sum("amount")).order_by("account__code")
    }
    return Snapshot(
        documents=documents,
        charges=charges,
        ledger=ledger,
        entries=JournalEntry.objects.filter(invoice__period=period).count(),
        postings=postings.count(),
    )


class _Rollback(Exception):
    pass


def reference_snapshot(period: dt.date) -> tuple[Snapshot, dict]:
    """Bill the period with the services in this process, studio after studio, uninterrupted;
    snapshot it with the run's counters; roll it all back (the workers then bill the same data)."""
    result: tuple[Snapshot, dict] | None = None
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(period=period, requested_by="reference", created_at=timezone.now())
            for studio_id in services.billing_run_plan(run_id=run.pk):
                services.bill_studio(run_id=run.pk, studio_id=studio_id)
            result = (snapshot(period), run_counters(run.pk))
            raise _Rollback
    except _Rollback:
        pass
    assert result is not None
    assert not Invoice.objects.filter(period=period).exists()
    return result


def run_counters(run_id: int) -> dict:
    run = BillingRun.objects.get(pk=run_id)
    return {
        "status": run.status,
        "studios_total": run.studios_total,
        "studios_done": run.studios_done,
        "documents_created": run.documents_created,
        "lines_billed": run.lines_billed,
        "errors": run.errors,
    }


def assert_exactly_once(period: dt.date, reference: Snapshot, *, billable_lines: int) -> Snapshot:
    """What the workers wrote equals the uninterrupted reference, every billable line is charged
    exactly once, every entry balances, and the numbers given are gap-free from 1."""
    actual = snapshot(period)
    assert len(actual.charges) == billable_lines
    assert actual.documents == reference.documents
    assert actual.charges == reference.charges
    assert actual.ledger == reference.ledger
    assert (actual.entries, actual.postings) == (reference.entries, reference.postings)
    assert actual.entries == len(actual.documents)  # one posting entry per document
    unbalanced = (
        Posting.objects.filter(entry__invoice__period=period).values("entry_id").annotate(s=Sum("amount")).exclude(s=0)
    )
    assert not unbalanced.exists()
    assert sum(actual.ledger.values(), Decimal(0)) == 0
    numbers = sorted(Invoice.objects.filter(period=period).values_list("number", flat=True))
    [year] = {n.split("-")[1] for n in numbers}
    assert numbers == [f"INV-{year}-{k:06d}" for k in range(1, len(numbers) + 1)]
    return actual


# --- Processes and probes ---------------------------------------------------------------------
def database_env() -> dict[str, str]:
    db = connection.settings_dict
    user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return {"DATABASE_URL": f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}


class Worker:
    """`celery -A tests.integration.celery_app worker` (the project's app and tasks), prefork with
    one child and prefetch 1, in a process group of its own so it can be SIGKILLed whole."""

    def __init__(
        self,
        name: str,
        *,
        queues: list[str],
        default_queue: str,
        redis_url: str,
        log_dir: Path,
        loglevel: str = "INFO",
        **env,
    ):
        self.name = name
        self.log = log_dir / f"{name}.log"
        full_env = dict(
            os.environ,
            **database_env(),
            REDIS_URL=redis_url,
            CELERY_BROKER_URL=redis_url,
            IT_CELERY_QUEUE=default_queue,
            PYTHONUNBUFFERED="1",
            **{k: str(v) for k, v in env.items()},
        )
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "tests.integration.celery_app",
                    "worker",
                    "-n",
                    f"{name}-{default_queue}@%h",
                    "-Q",
                    ",".join(queues),
                    "--pool=prefork",
                    "--concurrency=1",
                    "--prefetch-multiplier=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    f"--loglevel={loglevel}",
                ],
                cwd=ROOT,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_ready(self, timeout: float = 30) -> Worker:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited with {self.proc.returncode}:\n{self.output()}")
            return " ready." in self.output()

        wait_for(ready, timeout=timeout, what=f"worker {self.name} to be ready")
        return self

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool child: a lost machine or container."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown (SIGTERM to the main process); SIGKILL what is left after `timeout`."""
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # children left behind, if any
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


class RowLock:
    """Hold row locks from a connection of our own until released: a worker that needs one of
    these rows waits in the middle of its transaction, at a point the test chooses."""

    def __init__(self, sql: str, params: list) -> None:
        db = connection.settings_dict
        self.conn = psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=int(db["PORT"] or 5432),
            dbname=db["NAME"],
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            autocommit=False,
        )
        rows = self.conn.execute(sql, params).fetchall()
        assert rows, f"nothing to lock: {sql} {params}"

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


def lock_studio(studio: Studio) -> RowLock:
    """FOR NO KEY UPDATE: bill_studio's FOR UPDATE on the studio waits for it, while the foreign-key
    checks of rows that reference the studio (the run's plan) do not."""
    return RowLock(f"SELECT id FROM {Studio._meta.db_table} WHERE id = %s FOR NO KEY UPDATE", [studio.pk])


def lock_invoice_numbers() -> RowLock:
    """Every invoice-number sequence row: a studio's transaction blocks in finalize, after its
    invoice and invoice lines are written and before anything commits."""
    from registry.billing.models import InvoiceNumberSequence

    return RowLock(f"SELECT year FROM {InvoiceNumberSequence._meta.db_table} FOR UPDATE", [])


def backends_waiting_on_locks() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def backend_exists(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def terminate_other_backends() -> None:
    """Safety net at teardown: no worker connection may outlive the test (the flush would wait)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def studios_without_invoice(dataset: Dataset, period: dt.date) -> list[int]:
    billed = set(Invoice.objects.filter(period=period).values_list("studio_id", flat=True))
    return [s.pk for s in dataset.studios if s.pk not in billed]
