"""Django's PostgreSQL backend with a health check that costs a system call, not a round trip,
and PostgreSQL's JIT compilation turned off for its sessions.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first query of every request that
reuses a connection, so that a connection PostgreSQL closed (a restart, a terminated backend)
is replaced instead of failing the request. On a hot endpoint that answers with one statement,
that doubled the statements. When PostgreSQL closes a connection it sends a final error message
and closes the socket, so an idle connection with nothing to read is still open; only when the
socket has something to read (that goodbye, or a notice) do we ask the server with `SELECT 1`.

JIT: PostgreSQL compiles a query to machine code when its estimated cost passes `jit_above_cost`
(100,000 by default), and optimizes it past 500,000. The registry's larger queries are per-row
index probes (billing's "not charged yet" subqueries, the run's plan over every studio) whose
estimates multiply a probe's cost by the rows the planner guesses, while the probes themselves
run in microseconds: compiling them cost more than running them. Measured on the billing
benchmark's database of 1,000,000 lines: a run's plan for a month with nothing to bill took
2.25 s, 2.15 s of it JIT compilation (5 ms of execution), and billing the month took 90.7 s
with JIT, 79.9 s without (docs/operators/benchmarks.md). No query of the registry is the long,
CPU-bound scan JIT pays for itself on.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def init_connection_state(self) -> None:
        super().init_connection_state()
        # A session setting, one statement per new connection (connections live CONN_MAX_AGE);
        # not the `options` startup parameter, which connection poolers such as PgBouncer refuse.
        with self.connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        if not self.get_autocommit():
            self.connection.commit()

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return True if not readable else super().is_usable()
