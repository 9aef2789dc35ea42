"""What the transparency log records of a consent token, and how a holder checks it. Standard
library only: the offline verifier uses it.

A token's issue and each change of its status is one leaf: its `jti` (the grant), the SHA-256
of the compact JWS (so the token itself is not published), its status-list slot and the value
there, and the time. Whoever holds the token recomputes the hash and finds the leaf.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from registry.tlog import leaves

# The leaf types (registry.tlog.models.LeafKind has the same values).
ISSUE_LEAF = "token_issued"
STATUS_CHANGE_LEAF = "token_status"


def jws_sha256(jws: str) -> str:
    return hashlib.sha256(jws.encode("ascii")).hexdigest()


def token_record(
    kind: str, *, jti: str, jws: str, status_list_uri: str, index: int, status: int, at: dt.datetime
) -> dict:
    return {
        "type": kind,
        "jti": jti,
        "jws_sha256": jws_sha256(jws),
        "status_list": {"uri": status_list_uri, "idx": index},
        "status": status,
        "time": leaves.timestamp(at),
    }


def leaf_problems(leaf: bytes, jws: str) -> list[str]:
    """Why this leaf is not the record of this token's issue (empty when it is)."""
    try:
        record = leaves.decode(leaf)
    except leaves.LeafError:
        return ["log_leaf_malformed"]
    problems = []
    if record.get("type") != ISSUE_LEAF:
        problems.append("log_leaf_not_an_issue")
    if record.get("jws_sha256") != jws_sha256(jws):
        problems.append("log_leaf_other_token")
    return problems
