"""Django's PostgreSQL backend with a health check that costs a system call, not a round trip.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first query of every request that
reuses a connection, so that a connection PostgreSQL closed (a restart, a terminated backend)
is replaced instead of failing the request. On a hot endpoint that answers with one statement,
that doubled the statements. When PostgreSQL closes a connection it sends a final error message
and closes the socket, so an idle connection with nothing to read is still open; only when the
socket has something to read (that goodbye, or a notice) do we ask the server with `SELECT 1`.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
