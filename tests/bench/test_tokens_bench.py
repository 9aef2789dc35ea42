"""bench/tokens measures the token the registry issues: its sample must carry the same claims,
or the SD-JWT figures stop being made (issue 18 added two consent claims and the bench broke
unnoticed until it was run)."""

from __future__ import annotations

from bench import report
from bench import tokens as bench_tokens
from registry.tokens import sdjwt


def test_the_sample_token_has_every_disclosable_consent_claim():
    consent = bench_tokens.sample_claims(1)["consent"]
    expected = set(sdjwt.DISCLOSABLE_CONSENT_CLAIMS) - {"performer", "studio"}  # added by sd_claims
    assert expected <= set(consent), sorted(expected - set(consent))


def test_a_short_run_prints_every_figure(capsys):
    assert bench_tokens.main(["--seconds", "0.06"]) == 0
    results = report.results(capsys.readouterr().out)
    assert [r["figure"] for r in results] == [
        "token issue (sign + serialise)",
        "token offline verify",
        "SD-JWT issue",
        "SD-JWT verify (with KB)",
    ]
    assert all(r["value"] > 0 and r["baseline"] > 0 for r in results)
