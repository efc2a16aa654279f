"""Updates are refused on every path, not only /sparql, and the data stays the same."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

PATHS = [
    "/",
    "/search",
    "/resource/gm-safer-sleep-policy",
    "/gaps",
    "/topics",
    "/health",
    "/update",
    "/statements",
    "/sparql/update",
    "/no/such/path",
]
UPDATE = "DELETE WHERE { ?s ?p ?o }"


def digest(client: TestClient) -> str:
    body = client.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"accept": "application/n-triples"},
    ).text
    return hashlib.sha256("\n".join(sorted(body.splitlines())).encode()).hexdigest()


@pytest.mark.parametrize("path", PATHS)
def test_update_by_any_means_on_any_path_is_4xx(client: TestClient, path: str) -> None:
    before = digest(client)
    answers = [
        client.get(path, params={"update": UPDATE}),
        client.post(path, params={"update": UPDATE}),
        client.post(path, data={"update": UPDATE}),
        client.post(path, content=UPDATE, headers={"content-type": "application/sparql-update"}),
        client.put(path, content="<a:b> <a:c> <a:d> .", headers={"content-type": "text/turtle"}),
        client.delete(path),
    ]
    assert [r.status_code for r in answers if not 400 <= r.status_code < 500] == []
    assert digest(client) == before


def test_update_parameter_elsewhere_says_read_only(client: TestClient) -> None:
    response = client.get("/", params={"update": "CLEAR ALL"})
    assert response.status_code == 403 and "read-only" in response.text


def test_reading_still_works(client: TestClient) -> None:
    assert client.get("/", params={"q": "update"}).status_code == 200


def test_a_query_string_of_many_parameters_is_refused_unread(client: TestClient) -> None:
    many = "q=sleep&" + "a&" * 200
    response = client.get("/?" + many)
    assert response.status_code == 400 and "at most 100" in response.text
    assert client.get("/?" + "q=sleep&" + "a&" * 50).status_code == 200
    assert client.get("/sparql?query=ASK%7B%7D&" + "a&" * 200).status_code == 200  # its own rules
