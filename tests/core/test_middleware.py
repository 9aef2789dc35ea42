"""A NUL in a path or query string is refused before any view runs (registry.core.middleware):
on PostgreSQL it failed the view's query, a 500."""

from __future__ import annotations

import re

import pytest

from registry.core.limits import NO_NUL_PATTERN
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    ["performer=%00", "production_number=NLP%00", "status=active&use=replica%00use", "lineage%00=x", "cursor=n1%00"],
)
def test_a_nul_in_an_api_query_parameter_is_a_400(studio, query):
    response = studio.client.get(f"/api/v1/grants/?{query}")

    body = assert_problem(response, 400, "validation-error")
    assert body["detail"] == "Query parameters cannot contain NUL characters."


def test_a_nul_in_an_api_path_names_nothing(studio):
    assert_problem(studio.client.get("/api/v1/grants/cgr_%00"), 404, "not-found")


def test_a_nul_in_a_page_query_or_path_is_a_plain_400_or_404(client):
    assert client.get("/verify/?token=%00").status_code == 400
    assert client.get("/verify/cgr_%00").status_code == 404
    assert client.get("/portal/sign-in?next=%00").status_code == 400


def test_the_schema_states_the_rule_on_every_text_query_parameter(anonymous):
    schema = anonymous.get("/api/schema/?format=json").json()
    text_parameters = [
        (path, p["name"], p["schema"])
        for path, item in schema["paths"].items()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["schema"].get("type") == "string"
    ]
    assert len(text_parameters) > 20
    assert [(path, name) for path, name, s in text_parameters if "pattern" not in s and "enum" not in s] == []
    assert re.fullmatch(NO_NUL_PATTERN, "NLP-2027") and not re.fullmatch(NO_NUL_PATTERN, "NLP\x00")
