"""One table from domain errors to HTTP (service/errors.py) and one to exit codes (cradle/cli.py):
no route makes its own status and no command matches a message."""

from __future__ import annotations

import ast

import pytest

from cradle.cli import exit_code
from cradle.core import errors as e
from cradle.service.errors import domain_status, search_off
from tests.support import ROOT


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (e.UrlTooLong("long"), 414),
        (e.BodyTooLarge("big"), 413),
        (e.BodyTooSlow("slow"), 408),
        (e.UnsupportedMediaType("type"), 415),
        (e.ProtocolViolation("bad"), 400),
        (e.NotAcceptable("no"), 406),
        (e.UnknownIri("none"), 404),
        (e.ModelNotFound("where"), 503),
        (e.InvalidSearch("empty"), 422),
        (e.NotServed("named graphs only"), 503),
    ],
)
def test_every_domain_error_has_its_status(error: e.CradleError, status: int) -> None:
    assert domain_status(error)[0] == status


def test_a_missing_model_is_not_an_invalid_search() -> None:
    assert not issubclass(e.ModelNotFound, e.InvalidSearch)
    assert "CRADLE_MODEL" in search_off(e.ModelNotFound("x"))
    assert "cradle build" in search_off(e.NotBuilt("x"))


def test_exit_codes_come_from_the_error_class() -> None:
    assert exit_code(e.UnreadableFile(["f: (file): cannot read"])) == 2
    assert exit_code(e.CatalogueError(["f:3: entry a: title: missing"])) == 1
    assert exit_code(e.NotBuilt("no build")) == 1


def test_no_route_makes_its_own_status() -> None:
    """No HTTPException anywhere in the service: even "not served here" is a domain error
    (:class:`cradle.core.errors.NotServed`, deps.py)."""
    made = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = node.func if isinstance(node, ast.Call) else None
            name = getattr(call, "id", getattr(call, "attr", ""))
            if name.endswith("HTTPException"):
                made.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert made == []
