"""Fuzzing (issue 7, item 6): schemathesis generates requests from the app's own OpenAPI schema
(raw ``application/sparql-query`` bodies included) and calls the app in-process; no answer may be
a 5xx, and every answer must match the schema (status code, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from cradle.service.app import create_app
from tests.support import fake_settings
from tests.support.service import built_dir

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 30  # per operation: a bounded budget


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    app = create_app(fake_settings(built_dir(tmp_path_factory), query_timeout=2.0))
    with TestClient(app):  # runs the lifespan: the engine, index and graph stay loaded
        yield app


def operations(app: Any) -> list[Any]:
    """Every operation of the app's OpenAPI schema (schemathesis reads it in-process)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_schema_covers_the_service(app: Any) -> None:
    labels = {f"{op.method.upper()} {op.path}" for op in operations(app)}
    assert {"GET /search", "GET /gaps", "GET /resource/{resource_id}", "GET /sparql"} <= labels
    assert "POST /sparql" in labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(app: Any, mode: GenerationMode) -> None:
    failures = []
    for op in operations(app):

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except Unsatisfiable:  # nothing to break: no parameters, so no negative examples
            assert mode is GenerationMode.NEGATIVE
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{op.method.upper()} {op.path}: {exc}")
    assert not failures, "\n\n".join(failures)
