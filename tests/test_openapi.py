"""The OpenAPI document at /api/openapi.json, and the app fuzzed against it by schemathesis
(in process, through WSGI: no server). Checks: no 5xx, every response matches the schema
documented for its status code, and no status, content type or header goes undocumented."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gallery import create_app
from gallery.actions.workshops import create_workshop
from gallery.store import db
from tests.support import app_config

# Beyond the two asked for: every status, content type and header (Retry-After) documented.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
RUN = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


@pytest.fixture(params=[True, False], ids=["rate-limited", "no-limits"])
def api_app(request, tmp_path):
    """With tight rate limits (so 429s are produced and checked) and without (so the
    success paths are reached)."""
    limited = request.param
    app = create_app(
        app_config(
            tmp_path,
            "api.db",
            CLUSTER_DELAY=3600,  # the background re-clustering never fires during the run
            RATE_LIMITS=limited,
            POST_LIMIT_PARTICIPANT="10/minute",
            POST_LIMIT_IP="15/minute",
            MAX_NOTES_PER_STATION=40,
        )
    )
    app.config.update(TESTING=True)
    with app.app_context():
        ws, _ = create_workshop("API", "en", [("One", "?")])
        app.station_token = ws.ordered_stations()[0].token
    yield app
    db.close()


def test_the_document_is_served_and_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/stations/{token}",
        "/api/v1/stations/{token}/notes",
    }
    assert "429" in document["paths"]["/api/v1/stations/{token}/notes"]["post"]["responses"]
    schema = schemathesis.openapi.from_dict(document)
    assert {op.ok().label for op in schema.get_all_operations()} == {
        "GET /api/v1/stations/{token}",
        "POST /api/v1/stations/{token}/notes",
    }


def _pinned_to(document: dict, token: str) -> dict:
    """The same document with the path parameter pinned to this station's token, so that
    generated requests reach the success paths (random tokens only ever find 404)."""
    document = copy.deepcopy(document)
    for path in document["paths"].values():
        for operation in path.values():
            for parameter in operation["parameters"]:
                if parameter["name"] == "token":
                    parameter["schema"] = {"type": "string", "enum": [token]}
    return document


def test_schemathesis_finds_no_server_error_and_no_schema_violation(api_app):
    served = api_app.test_client().get("/api/openapi.json").get_json()
    statuses = set()
    for document in (served, _pinned_to(served, api_app.station_token)):
        schema = schemathesis.openapi.from_dict(document)
        schema.app = api_app  # WSGI: requests go straight into the app
        for result in schema.get_all_operations():
            operation = result.ok()

            @RUN
            @given(case=operation.as_strategy())
            def run(case):
                statuses.add(case.call_and_validate(checks=CHECKS).status_code)

            run()
    # The run reached the paths it should: unknown stations, and stored or refused notes.
    if api_app.config["RATE_LIMITS"]:  # cookie-less posts soon share one spent budget
        assert {200, 404, 429} <= statuses
    else:
        assert {200, 201, 404} <= statuses and statuses & {400, 422}
