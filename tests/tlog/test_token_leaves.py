"""Tokens in the transparency log: a token issued then revoked is two leaves, and the studio holding
it proves offline, with the verifier CLI, that it is in the log and that the log only grew."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys

import pytest
from django.db import transaction

from registry.consent.services import grant_revoke
from registry.tlog import leaves, services
from registry.tlog.models import LeafKind, LogLeaf
from registry.tokens import services as token_services
from registry.tokens import transparency, verifier
from registry.tokens.models import ConsentToken
from tests.conftest import login_of
from tests.consent.factories import grant_for
from tests.tokens.conftest import ROOT, in_term_today, jwks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sequence_on_demand(settings):
    settings.TLOG_SEQUENCE_ON_DEMAND = True


def token_leaves(token: ConsentToken) -> list[dict]:
    rows = LogLeaf.objects.filter(kind__in=[LeafKind.TOKEN_ISSUED, LeafKind.TOKEN_STATUS], ref=str(token.pk))
    return [leaves.decode(bytes(data)) for data in rows.order_by("id").values_list("data", flat=True)]


def test_a_token_issued_then_revoked_is_two_leaves(studio, performer, agreement):
    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    token = ConsentToken.objects.get(grant=grant)

    grant_revoke(grant=grant, reason="changed my mind", acting_user=login_of(performer.performer))

    issued, revoked = token_leaves(token)
    digest = hashlib.sha256(token.jws.encode()).hexdigest()
    slot = {"uri": token.status_list.uri, "idx": token.status_index}
    assert {k: issued[k] for k in ("type", "jti", "jws_sha256", "status_list", "status")} == {
        "type": "token_issued",
        "jti": grant.public_id,
        "jws_sha256": digest,
        "status_list": slot,
        "status": 0,
    }
    assert {k: revoked[k] for k in ("type", "jti", "jws_sha256", "status_list", "status")} == {
        "type": "token_status",
        "jti": grant.public_id,
        "jws_sha256": digest,
        "status_list": slot,
        "status": 1,
    }
    # The token's leaf types are the log's kinds (the offline verifier knows them by value).
    assert (
        LeafKind.TOKEN_ISSUED.value,
        LeafKind.TOKEN_STATUS.value,
    ) == (transparency.ISSUE_LEAF, transparency.STATUS_CHANGE_LEAF)


def test_a_bulk_change_of_tokens_is_a_leaf_per_token(studio, performer, agreement):
    grants = [
        grant_for(studio.studio, performer.performer, agreement, project={"production_number": f"B-{n}"})
        for n in range(3)
    ]
    with transaction.atomic():
        token_services.tokens_follow_grants(grant_ids=[g.pk for g in grants], grant_status="suspended")

    changed = LogLeaf.objects.filter(kind=LeafKind.TOKEN_STATUS)
    assert sorted(leaves.decode(bytes(d))["jti"] for d in changed.values_list("data", flat=True)) == sorted(
        g.public_id for g in grants
    )
    assert {leaves.decode(bytes(d))["status"] for d in changed.values_list("data", flat=True)} == {2}


def test_the_studio_proves_offline_its_token_is_logged_and_the_log_only_grew(
    tmp_path, client, studio, performer, agreement
):
    grant = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    answer = studio.client.get(f"/api/v1/grants/{grant.public_id}/token").json()
    earlier = answer["log"]["checkpoint"]
    grant_revoke(grant=grant, reason="changed my mind", acting_user=login_of(performer.performer))
    later = client.get("/log/checkpoint").content.decode()
    size = int(later.split("\n")[1])
    proof = client.get(f"/api/v1/log/proofs/inclusion?leaf={answer['log']['leaf_index']}&size={size}").json()
    consistency = client.get(f"/api/v1/log/proofs/consistency?from={answer['log']['tree_size']}&to={size}").json()
    files = {
        "token.jwt": answer["token"],
        "jwks.json": json.dumps(jwks(client)),
        "log.json": client.get("/.well-known/transparency-log.json").content.decode(),
        "earlier.txt": earlier,
        "later.txt": later,
        "proof.json": json.dumps(proof),
        "consistency.json": json.dumps(consistency),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    def path(name: str) -> str:
        return str(tmp_path / name)

    command = ["registry.tokens.verifier", "@" + path("token.jwt"), "--jwks", path("jwks.json")]
    command += ["--checkpoint", path("later.txt"), "--log-key", "@" + path("log.json")]
    command += ["--log-proof", path("proof.json")]
    command += ["--earlier-checkpoint", path("earlier.txt"), "--consistency-proof", path("consistency.json")]
    result = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, timeout=60, cwd=ROOT)

    out = json.loads(result.stdout)
    assert out["log"] == {
        "ok": True,
        "reasons": [],
        "leaf_index": answer["log"]["leaf_index"],
        "tree_size": size,
        "consistent_with": answer["log"]["tree_size"],
    }
    # The token itself is revoked by now: without a status list it is "status_not_checked".
    assert out["reasons"] == ["status_not_checked"]
    # The proof in the token endpoint's own answer verifies against the checkpoint it came with.
    keys = verifier.log_keys_from(files["log.json"])
    assert verifier.verify_in_log(answer["token"], earlier, keys, answer).ok


def test_the_verifier_refuses_another_tokens_leaf_a_wrong_key_a_tampered_leaf_and_a_fork(studio, performer, agreement):
    first = grant_for(studio.studio, performer.performer, agreement, description=in_term_today())
    second = grant_for(studio.studio, performer.performer, agreement, project={"production_number": "X-2"})
    a = studio.client.get(f"/api/v1/grants/{first.public_id}/token").json()
    b = studio.client.get(f"/api/v1/grants/{second.public_id}/token").json()
    keys = verifier.log_keys_from(studio.client.get("/.well-known/transparency-log.json").content.decode())
    other_key = services.note.verifier_for(keys[0].name, bytes(32))  # a key the log never had

    assert verifier.verify_in_log(a["token"], b["log"]["checkpoint"], keys, b).reasons == ["log_leaf_other_token"]
    assert verifier.verify_in_log(a["token"], a["log"]["checkpoint"], [other_key], a).reasons == [
        "log_checkpoint_not_signed_by_the_log"
    ]
    tampered = dict(
        a["log"],
        leaf=base64.b64encode(base64.b64decode(a["log"]["leaf"]).replace(b'"status":0', b'"status":2')).decode(),
    )
    assert verifier.verify_in_log(a["token"], a["log"]["checkpoint"], keys, tampered).reasons == ["log_not_included"]

    # A fork: the log signs another root for the earlier size; the consistency proof then fails.
    key = services.log_key_active()
    size = a["log"]["tree_size"]
    forged_text = services.note.Checkpoint(origin=key.name, size=size, root=bytes(32)).text()
    forged = forged_text + "\n" + services.note.sign(forged_text, key.name, services.private_key(key))
    latest = b["log"]["tree_size"]
    consistency = studio.client.get(f"/api/v1/log/proofs/consistency?from={size}&to={latest}").json()
    genuine = verifier.verify_in_log(
        b["token"], b["log"]["checkpoint"], keys, b, earlier_checkpoint=a["log"]["checkpoint"], consistency=consistency
    )
    assert (genuine.ok, genuine.consistent_with) == (True, size)
    forked = verifier.verify_in_log(
        b["token"], b["log"]["checkpoint"], keys, b, earlier_checkpoint=forged, consistency=consistency
    )
    assert forked.reasons == ["log_inconsistent"]
