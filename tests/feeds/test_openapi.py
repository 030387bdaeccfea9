"""/api/v1/openapi.json: a valid OpenAPI 3.1 document that describes what the API really answers."""
from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from ink.events.models import Audience
from ink.extensions import db
from ink.feeds import openapi
from ink.feeds.views import MAX_API_WINDOW_DAYS
from tests.feeds.network import Network, build_network

DOCUMENT = "/api/v1/openapi.json"
OCCURRENCES = "/api/v1/occurrences"
WINDOW = "start=2026-06-01&end=2026-12-31"


@pytest.fixture
def network(factory, clock) -> Network:  # type: ignore[no-untyped-def]
    net = build_network(factory, clock)
    db.session.commit()
    return net


@pytest.fixture
def described(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return client.get(DOCUMENT).get_json()


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(quote(part.replace("~", "~0").replace("/", "~1"), safe="~") for part in parts)


def _validator(document: dict[str, Any], *parts: str) -> jsonschema_rs.Validator:
    """A validator of the schema at ``parts`` inside the document (its $refs resolved in the document)."""
    return jsonschema_rs.Draft202012Validator(
        {"$ref": "urn:ink:openapi" + _pointer(*parts)}, validate_formats=True,
        retriever=lambda uri: document,
    )


def response_validator(document: dict[str, Any], path: str, status: str) -> jsonschema_rs.Validator:
    response = document["paths"][path]["get"]["responses"][status]
    if "$ref" in response:  # "#/components/responses/BadRequest"
        return _validator(document, *response["$ref"][2:].split("/"), "content", "application/json", "schema")
    return _validator(document, "paths", path, "get", "responses", status, "content", "application/json", "schema")


def assert_valid(validator: jsonschema_rs.Validator, body: object) -> None:
    errors = [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(body)]
    assert not errors, errors


# --- the document itself ------------------------------------------------------------------------------

def test_document_is_valid_openapi_31(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    OPENAPI_31_VALIDATOR.validate(document)  # the OAS 3.1 meta-schema that schemathesis bundles
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name  # each a valid JSON Schema 2020-12
    schemathesis.openapi.from_dict(document).validate()


def test_every_api_route_is_described(app: Flask, described: dict[str, Any]) -> None:
    server = described["servers"][0]["url"]
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    operations = {(server + path, method) for path, item in described["paths"].items() for method in item}
    assert routes == operations


def test_parameters_say_what_the_code_accepts(described: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in described["paths"]["/occurrences"]["get"]["parameters"]}
    assert {name for name, p in parameters.items() if p["required"]} == {"start", "end"}
    assert parameters["start"]["schema"] == {"type": "string", "format": "date"}
    for name in ("organisation", "topic", "venue", "language", "audience"):
        assert parameters[name]["schema"]["type"] == "array"
        assert (parameters[name]["style"], parameters[name]["explode"]) == ("form", True)
    assert parameters["audience"]["schema"]["items"]["enum"] == [audience.value for audience in Audience] + [""]
    assert parameters["dropin"]["schema"]["enum"] == ["1", ""]
    assert parameters["q"]["schema"]["maxLength"] == 200 and not parameters["q"]["required"]


def test_document_is_cached_like_a_static_file(client) -> None:  # type: ignore[no-untyped-def]
    first = client.get(DOCUMENT)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(DOCUMENT).data == first.data  # the same bytes every time
    again = client.get(DOCUMENT, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(DOCUMENT, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(DOCUMENT, headers={"If-None-Match": "not an etag"}).status_code == 200


# --- real responses against the described schemas ------------------------------------------------------

REAL_QUERIES = [
    WINDOW,  # everything: timed, all-day, moved and cancelled dates, a venue-less event
    "start=2026-03-20&end=2026-04-05",  # the all-day festival and the night walks over the clock change
    "start=2027-03-01&end=2027-03-31",  # the festival's cancelled all-day date
    "start=2026-10-20&end=2026-11-05&venue=union-scene",  # a date moved to another venue
    f"{WINDOW}&organisation=barnas-verden&audience=children&audience=families",
    f"{WINDOW}&topic={{topic}}&language=PL",
    f"{WINDOW}&dropin=1",
    f"{WINDOW}&q=spr%C3%A5kkaf",  # free-text search
    "start=2026-06-01&end=2026-06-01&organisation=sprakkafe-drammen&organisation=barnas-verden",
]


def test_real_responses_match_the_200_schema(client, network: Network, described: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    validator = response_validator(described, "/occurrences", "200")
    topic = network.series["cafe"].topics[0].slug
    shapes: set[tuple[bool, str, bool]] = set()
    for query in REAL_QUERIES:
        response = client.get(f"{OCCURRENCES}?{query.format(topic=topic)}")
        assert response.status_code == 200, (query, response.get_json())
        assert response.mimetype == "application/json"
        assert_valid(validator, response.get_json())
        shapes |= {(item["all_day"], item["status"], item["venue"] is None) for item in response.get_json()}
    # the queries reached every shape the schema allows: all-day and timed, cancelled, without a venue
    assert {(True, "scheduled", True), (True, "cancelled", True), (False, "cancelled", False),
            (False, "scheduled", False), (False, "scheduled", True)} <= shapes


@pytest.mark.parametrize("query", [
    "", "start=2026-06-01", "start=2026-06-10&end=2026-06-01", "start=2026-01-01&end=2027-01-02",
    f"{WINDOW}&topic=nothing", f"{WINDOW}&audience=martians", f"{WINDOW}&dropin=yes",
    f"{WINDOW}&language=%3Cscript%3E", f"{WINDOW}&venue=no%20such", f"{WINDOW}&organisation=%00",
    f"{WINDOW}&q=%00", f"{WINDOW}&q={'x' * 201}",
])
def test_errors_match_the_400_schema(client, described: dict[str, Any], query: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"{OCCURRENCES}?{query}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert_valid(response_validator(described, "/occurrences", "400"), response.get_json())


def test_a_wrong_schema_is_caught(client, network: Network, described: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The validation above can fail: a schema that says series_id is a string rejects real bodies."""
    described["components"]["schemas"]["Occurrence"]["properties"]["series_id"] = {"type": "string"}
    body = client.get(f"{OCCURRENCES}?{WINDOW}").get_json()
    assert body and not response_validator(described, "/occurrences", "200").is_valid(body)


# --- schemathesis, in process, with real data ---------------------------------------------------------

SCHEMATHESIS_CONFIG = {
    "seed": 20260602,
    "generation": {"mode": "all", "deterministic": True, "max-examples": 25},
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "negative_data_rejection": {"enabled": True},  # invalid input gets a 4xx
        "unsupported_method": {"enabled": True},  # a 405 with its Allow header
        # Schema-valid input may still be refused with the documented 400: a slug that names nothing,
        # end before start, a window longer than the limit (data and cross-parameter rules).
        "positive_data_acceptance": {"enabled": False},
    },
}


def isolated(app: Flask) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The app as WSGI, each request outside the test's app context (as tests/conftest.IsolatedClient)."""
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


# The plugin's lazy schemas (schemathesis.pytest.from_fixture) do not run under pytest 9 (they set
# the item's _nodeid), so the schema is the document's Python structure (the served bytes are its
# JSON: test_served_document_is_the_description) and each call goes to the test's app in process.
api = schemathesis.openapi.from_dict(openapi.document(max_window_days=MAX_API_WINDOW_DAYS),
                                     config=SchemathesisConfig.from_dict(SCHEMATHESIS_CONFIG))


def test_served_document_is_the_description(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(DOCUMENT).get_json() == json.loads(json.dumps(api.raw_schema))


@api.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_nothing(case, app: Flask, network: Network) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(app=isolated(app))
