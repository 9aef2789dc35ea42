"""schemathesis against the live schema: every operation, called as a studio, never answers
5xx and every documented answer matches the schema (body and content type).

One test walks all operations (one live server, one database), with few examples each, so it
stays within a minute or two on two shared cores: positive data (valid per the schema) with
random ids, again with ids of real objects in the path, and negative data (invalid per the
schema), which must be refused, never crash.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from registry.webhooks import services as webhook_services
from tests.conftest import SYSTEM
from tests.consent.factories import create_request, grant_for

POSITIVE_EXAMPLES = 6
REAL_ID_EXAMPLES = 3
NEGATIVE_EXAMPLES = 4
CONFORMANCE = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _settings(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _run(operation, strategy, checks, max_examples: int, call) -> list[str]:
    failures: list[str] = []

    @_settings(max_examples)
    @given(case=strategy)
    def explore(case):
        try:
            call(case, checks)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports failures as exception groups
            failures.append(f"{operation.label}: {str(exc)[:800]}")

    explore()
    return failures


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_operation_as_a_studio(live_server, studio, performer, agreement, settings):
    settings.WEBHOOK_REQUIRE_HTTPS = False
    # Real objects for the path parameters a studio knows about.
    grant = grant_for(studio.studio, performer.performer, agreement)
    pending = create_request(studio.studio, performer.performer, agreement, use="voice_replica")
    endpoint, _ = webhook_services.endpoint_create(
        studio=studio.studio, url="https://hooks.northlight.example/x", event_types=["grant.revoked"], actor=SYSTEM
    )
    known = {
        "grant_id": grant.public_id,
        "request_id": pending.public_id,
        "endpoint_id": endpoint.public_id,
        "performer_id": performer.performer.public_id,
    }
    headers = {"Authorization": f"Bearer {studio.secret}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")

    calls: list[int] = []

    def call(case, checks):
        calls.append(1)
        response = case.call(base_url=live_server.url, headers=headers, timeout=30)
        case.validate_response(response, checks=checks)

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures += _run(operation, operation.as_strategy(), CONFORMANCE, POSITIVE_EXAMPLES, call)
        names = {p.name for p in operation.path_parameters}
        if names and names <= set(known):
            with_ids = operation.as_strategy(path_parameters={n: known[n] for n in names})
            failures += _run(operation, with_ids, CONFORMANCE, REAL_ID_EXAMPLES, call)
        negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        failures += _run(operation, negative, [not_a_server_error], NEGATIVE_EXAMPLES, call)

    assert operations >= 50
    assert len(calls) >= operations * (POSITIVE_EXAMPLES + NEGATIVE_EXAMPLES) // 2, len(calls)
    assert not failures, "\n\n".join(dict.fromkeys(failures))
