"""The HTTP API fuzzed from its own OpenAPI schema with schemathesis: valid and invalid requests
alike must never get a 5xx, must get a status and content type the schema documents, and invalid
ones must be refused with a 4xx. Runs on the real engine, in-process."""

from __future__ import annotations

import fastapi
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode

from index_tts.interface.api import add_api_routes
from index_tts.serving.config import ManagerConfig
from index_tts.serving.manager import ModelManager

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 60  # per route and mode; most generated texts are refused or short, so this stays quick


@pytest.fixture(scope="module")
def api_app():
    manager = ModelManager(ManagerConfig(sessions=1, threads=None, cache=False))
    manager.load()
    manager.ready = True
    app = fastapi.FastAPI(docs_url=None, redoc_url=None)  # the same routes and schema the server serves
    # Overload is not what this test is about (the burst test drives the real server for that). In the
    # full suite the in-process client left admission places taken, so the limit is set out of reach.
    add_api_routes(app, manager, max_inside=1_000_000)
    yield app
    manager.close()


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


OPERATIONS = [
    ("GET", "/health"), ("GET", "/v1/audio/voices"), ("GET", "/metrics"), ("POST", "/v1/audio/speech"), ("POST", "/api/tts"),
    ("POST", "/api/tts/with-timestamps"), ("GET", "/v1/audio/voices/{voice}/preview"),
]  # fmt: skip


def test_the_schema_lists_every_route(api_schema) -> None:
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# routes without parameters have no invalid request to make
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if m == "POST"
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_fuzzed_requests_get_documented_answers_and_no_server_error(api_schema, method, path, mode) -> None:
    operation = api_schema[path][method]
    seen: list[int] = []

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def fuzz(case) -> None:
        response = case.call(timeout=120)  # an answer, however slow the machine: this test is about what it says
        seen.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            assert response.json()["error"]["message"]  # every refusal says why, in the documented body

    fuzz()
    assert seen, "no request was sent"
    print(f"{method} {path} {mode.value}: {len(seen)} requests, statuses {sorted(set(seen))}")
